# Helpers shared by scripts/setup, scripts/run, scripts/test and scripts/format. Source it; it
# defines functions and AMPHORA_ROOT, and runs nothing.

AMPHORA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AMPHORA_JOBS=${AMPHORA_JOBS:-2}  # the machine has 2 cores shared by everyone

# A banner line that stands out in a long CI log.
amphora_banner() {
  printf '\n==== %s ====\n' "$*"
}

amphora_die() {
  echo "error: $*" >&2
  exit 1
}

# With ccache installed, every build goes through it, so that build directories whose compile
# commands are identical share object files: the codec stage of scripts/test compiles with the release
# stage's options, and the release stage reuses those objects. The cache is the clone's own
# (build/ccache: a fresh clone starts cold), unless CCACHE_DIR says otherwise. Depend mode: a miss
# costs no extra preprocessor run (the compiler's -MD output lists the headers).
export CCACHE_DIR=${CCACHE_DIR:-$AMPHORA_ROOT/build/ccache}
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}

# Configures build/<name> with Ninja: amphora_configure NAME [cmake args...].
# Reconfiguring an existing build dir is cheap and applies changed options.
amphora_configure() {
  local name=$1
  shift
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$AMPHORA_ROOT" -B "$AMPHORA_ROOT/build/$name" -G Ninja "${launcher[@]}" "$@"
}

# Builds build/<name>: amphora_build NAME [targets...] (default: everything).
amphora_build() {
  local name=$1
  shift
  local targets=()
  (($# > 0)) && targets=(--target "$@")
  cmake --build "$AMPHORA_ROOT/build/$name" -j "$AMPHORA_JOBS" "${targets[@]}"
}

# The options of the everyday optimized build: build/release, shared by scripts/run and the
# "release" stage of scripts/test so that running one after the other builds nothing twice.
AMPHORA_RELEASE_OPTIONS=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ -DAMPHORA_WERROR=ON)

# Our C++ sources: every .hpp/.cpp outside build trees, git internals and third-party code.
amphora_cpp_files() {
  find "$AMPHORA_ROOT" \
    \( -path "$AMPHORA_ROOT/.git" -o -path "$AMPHORA_ROOT/build" -o -path "$AMPHORA_ROOT/build-*" \
       -o -path "$AMPHORA_ROOT/cmake-build-*" -o -name node_modules -o -name third_party \) -prune \
    -o -type f \( -name '*.hpp' -o -name '*.cpp' \) -print | LC_ALL=C sort
}

// Everything of the AMF codec in one include.
#pragma once

#include "amphora/amf/amf0.hpp"
#include "amphora/amf/amf3.hpp"
#include "amphora/amf/arena.hpp"
#include "amphora/amf/error.hpp"
#include "amphora/amf/externalizable.hpp"
#include "amphora/amf/json.hpp"
#include "amphora/amf/limits.hpp"
#include "amphora/amf/options.hpp"
#include "amphora/amf/packet.hpp"
#include "amphora/amf/trace.hpp"
#include "amphora/amf/typed.hpp"
#include "amphora/amf/utf8.hpp"
#include "amphora/amf/value.hpp"

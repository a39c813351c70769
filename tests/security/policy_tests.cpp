// The access policy: loading (every refusal with its line), inheritance, resource levels,
// closures against a naive recursive check on generated policies, explanations.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "amphora/security/authorize.hpp"
#include "amphora/security/policy.hpp"

namespace amphora::security {
namespace {

const char* const issue_example = R"(<config>
  <roleSet>
    <role><name>customer</name></role>
    <role><name>employee</name><inheritFrom>customer</inheritFrom></role>
    <role><name>manager</name><inheritFrom>employee</inheritFrom></role>
  </roleSet>
  <permissions>
    <permission>
      <resources><resource>time_card</resource></resources>
      <roles><role>employee</role></roles>
      <privileges><privilege>read</privilege><privilege>write</privilege></privileges>
    </permission>
  </permissions>
</config>
)";

// The policy error of `xml`, or a failure if it loads.
policy_error error_of(const std::string& xml) {
  try {
    policy::parse(xml, "acl.xml");
  } catch (const policy_error& e) {
    return e;
  }
  ADD_FAILURE() << "loaded:\n" << xml;
  return policy_error("", 0, "");
}

// A <config> with these roles and permissions, one element a line, starting at line 1.
std::string config(const std::string& roles, const std::string& permissions = "") {
  return "<config>\n<roleSet>\n" + roles + "</roleSet>\n<permissions>\n" + permissions +
         "</permissions>\n</config>\n";
}

TEST(Policy, TheIssueExampleLoadsAndInheritsUpward) {
  const policy p = policy::parse(issue_example);
  EXPECT_EQ(p.role_names(), (std::vector<std::string>{"customer", "employee", "manager"}));
  EXPECT_EQ(p.permission_count(), 1u);
  EXPECT_TRUE(p.check("employee", "time_card", "read"));
  EXPECT_TRUE(p.check("employee", "time_card", "write"));
  EXPECT_TRUE(p.check("manager", "time_card", "write"));   // manager -> employee
  EXPECT_FALSE(p.check("customer", "time_card", "read"));  // parents do not get children's grants
  EXPECT_FALSE(p.check("employee", "time_card", "delete"));
  EXPECT_FALSE(p.check("employee", "other", "read"));
  EXPECT_FALSE(p.check("nobody", "time_card", "read"));  // an unknown role grants nothing
}

TEST(Policy, AParentResourceCoversItsChildrenOnly) {
  const policy p = policy::parse(config("<role><name>u</name></role>\n",
                                        "<permission><resources><resource>EchoService</resource>"
                                        "<resource>chat.sports</resource></resources>"
                                        "<roles><role>u</role></roles><privileges><privilege>call</privilege>"
                                        "<privilege>subscribe</privilege></privileges></permission>\n"));
  EXPECT_TRUE(p.check("u", "EchoService", "call"));
  EXPECT_TRUE(p.check("u", "EchoService.echo", "call"));
  EXPECT_TRUE(p.check("u", "EchoService.a.b", "call"));
  EXPECT_FALSE(p.check("u", "EchoServiceX.echo", "call"));  // a prefix only at a dot
  EXPECT_FALSE(p.check("u", "Echo", "call"));
  EXPECT_TRUE(p.check("u", "chat.sports", "subscribe"));
  EXPECT_TRUE(p.check("u", "chat.sports.football", "subscribe"));
  EXPECT_TRUE(p.check("u", "chat.sports.*", "subscribe"));  // a wildcard under a granted subtopic
  EXPECT_FALSE(p.check("u", "chat", "subscribe"));          // the parent is not covered
  EXPECT_FALSE(p.check("u", "chat.*", "subscribe"));
  EXPECT_FALSE(p.check("u", "chat.news", "subscribe"));
}

TEST(Policy, MultipleParentsDiamondAndTransitive) {
  const policy p = policy::parse(
      config("<role><name>base</name></role>\n"
             "<role><name>left</name><inheritFrom>base</inheritFrom></role>\n"
             "<role><name>right</name><inheritFrom>base</inheritFrom></role>\n"
             "<role><name>top</name><inheritFrom>left</inheritFrom><inheritFrom>right</inheritFrom></role>\n"
             "<role><name>above</name><inheritFrom>top</inheritFrom></role>\n"
             "<role><name>other</name></role>\n",
             "<permission><resources><resource>b</resource></resources><roles><role>base</role></roles>"
             "<privileges><privilege>call</privilege></privileges></permission>\n"
             "<permission><resources><resource>l</resource></resources><roles><role>left</role></roles>"
             "<privileges><privilege>call</privilege></privileges></permission>\n"
             "<permission><resources><resource>r</resource></resources><roles><role>right</role></roles>"
             "<privileges><privilege>publish</privilege></privileges></permission>\n"));
  for (const char* role : {"base", "left", "right", "top", "above"})
    EXPECT_TRUE(p.check(role, "b", "call")) << role;
  EXPECT_TRUE(p.check("top", "l", "call"));
  EXPECT_TRUE(p.check("top", "r", "publish"));
  EXPECT_TRUE(p.check("above", "l", "call"));
  EXPECT_TRUE(p.check("above", "r", "publish"));
  EXPECT_FALSE(p.check("left", "r", "publish"));
  EXPECT_FALSE(p.check("right", "l", "call"));
  EXPECT_FALSE(p.check("other", "b", "call"));
  EXPECT_FALSE(p.check("top", "r", "call"));  // privileges do not mix between resources

  // A parent defined after its child is fine.
  const policy later =
      policy::parse(config("<role><name>child</name><inheritFrom>parent</inheritFrom></role>\n"
                           "<role><name>parent</name></role>\n",
                           "<permission><resources><resource>x</resource></resources>"
                           "<roles><role>parent</role></roles>"
                           "<privileges><privilege>call</privilege></privileges></permission>\n"));
  EXPECT_TRUE(later.check("child", "x", "call"));
}

TEST(Policy, CheckOverSeveralRoles) {
  const policy p = policy::parse(issue_example);
  const std::vector<std::string> none;
  const std::vector<std::string> some{"nobody", "customer", "manager"};
  const std::vector<std::string> customers{"customer"};
  EXPECT_FALSE(p.check(none, "time_card", "read"));
  EXPECT_TRUE(p.check(some, "time_card", "read"));
  EXPECT_FALSE(p.check(customers, "time_card", "read"));
}

TEST(Policy, AuthorizeTellsAnonymousFromDenied) {
  const policy p = policy::parse(issue_example);
  const principal boss{"ann", {"manager"}};
  const principal client{"bob", {"customer"}};
  EXPECT_EQ(authorize(p, &boss, "customer", "time_card", "read"), decision::allowed);
  EXPECT_EQ(authorize(p, &client, "customer", "time_card", "read"), decision::denied);
  EXPECT_EQ(authorize(p, nullptr, "customer", "time_card", "read"), decision::login_required);
  EXPECT_EQ(authorize(p, nullptr, "employee", "time_card", "read"), decision::allowed);
}

TEST(Policy, EmptyConfigsAreEmptyPolicies) {
  EXPECT_TRUE(policy::parse("<config/>").role_names().empty());
  EXPECT_TRUE(
      policy::parse("<?xml version=\"1.0\"?>\n<!-- c -->\n<config><roleSet/></config>").role_names().empty());
  EXPECT_FALSE(policy().check("x", "y", "z"));
}

TEST(Policy, WhiteSpaceAroundNamesIsIgnored) {
  const policy p =
      policy::parse(config("<role><name> a </name></role>\n<role><name>\n b\n</name>"
                           "<inheritFrom> a </inheritFrom></role>\n",
                           "<permission><resources><resource> r </resource></resources>"
                           "<roles><role> a </role></roles><privileges><privilege> call "
                           "</privilege></privileges></permission>\n"));
  EXPECT_TRUE(p.check("b", "r", "call"));
}

struct refusal {
  const char* what;
  std::string xml;
  unsigned line;
  const char* reason;  // a part of it
};

TEST(PolicyErrors, EveryKindIsRefusedWithFileLineAndReason) {
  const std::string permission_for_x =
      "<permission><resources><resource>r</resource></resources><roles><role>x</role></roles>"
      "<privileges><privilege>call</privilege></privileges></permission>\n";
  const std::vector<refusal> cases = {
      {"malformed", "<config>\n<roleSet>\n<role><name>a</name></rol>\n</roleSet>\n</config>\n", 3,
       "malformed XML"},
      {"unclosed", "<config>\n<roleSet>\n", 2, "malformed XML"},
      {"empty file", "", 1, "malformed XML"},
      {"wrong root", "\n<policy/>\n", 2, "expected <config>"},
      {"unknown element", config("<role><name>a</name><inheritsFrom>b</inheritsFrom></role>\n"), 3,
       "unknown element <inheritsFrom> in <role>"},
      {"unknown section", "<config>\n<roles/>\n</config>", 2, "unknown element <roles> in <config>"},
      {"attribute", config("<role id=\"1\"><name>a</name></role>\n"), 3, "unexpected attribute 'id'"},
      {"stray text", config("hello<role><name>a</name></role>\n"), 2, "unexpected text in <roleSet>"},
      {"element in a name", config("<role><name><b>a</b></name></role>\n"), 3,
       "unexpected element <b> in <name>"},
      {"empty name", config("<role><name>a</name></role>\n<role><name> </name></role>\n"), 4, "empty <name>"},
      {"no name", config("<role><inheritFrom>a</inheritFrom></role>\n"), 3, "a <role> without <name>"},
      {"two names", config("<role><name>a</name>\n<name>b</name></role>\n"), 4, "a second <name>"},
      {"duplicate role",
       config("<role><name>a</name></role>\n<role><name>b</name></role>\n<role><name>a</name></role>\n"), 5,
       "duplicate role 'a' (first defined at line 3)"},
      {"undefined parent",
       config("<role><name>a</name></role>\n<role><name>b</name>\n<inheritFrom>c</inheritFrom></role>\n"), 5,
       "role 'b' inherits from undefined role 'c'"},
      {"self cycle", config("<role><name>a</name><inheritFrom>a</inheritFrom></role>\n"), 3,
       "inheritance cycle: a -> a"},
      {"cycle",
       config("<role><name>a</name><inheritFrom>c</inheritFrom></role>\n"
              "<role><name>b</name><inheritFrom>a</inheritFrom></role>\n"
              "<role><name>c</name><inheritFrom>b</inheritFrom></role>\n"
              "<role><name>d</name><inheritFrom>a</inheritFrom></role>\n"),
       3, "inheritance cycle: a -> c -> b -> a"},
      {"unknown role in a permission", config("<role><name>a</name></role>\n", permission_for_x), 6,
       "the permission names undefined role 'x'"},
      {"permission without roles",
       config("<role><name>a</name></role>\n",
              "\n<permission><resources><resource>r</resource></resources>"
              "<privileges><privilege>call</privilege></privileges></permission>\n"),
       7, "a <permission> without any <role>"},
      {"permission without resources", config("", "<permission><roles/><privileges/></permission>\n"), 5,
       "without any <resource>"},
      {"empty privilege",
       config("<role><name>a</name></role>\n",
              "<permission><resources><resource>r</resource></resources><roles><role>a</role>"
              "</roles><privileges><privilege/></privileges></permission>\n"),
       6, "empty <privilege>"},
      {"empty resource part",
       config("<role><name>a</name></role>\n",
              "<permission><resources><resource>chat..x</resource></resources><roles><role>a"
              "</role></roles><privileges><privilege>p</privilege></privileges></permission>\n"),
       6, "resource 'chat..x' has an empty part"},
      {"wrong item",
       config("<role><name>a</name></role>\n",
              "<permission><resources><role>r</role></resources></permission>\n"),
       6, "unknown element <role> in <resources>"},
      {"two roleSets", "<config>\n<roleSet/>\n<roleSet/>\n</config>", 3,
       "a second <roleSet> (the first is at line 2)"},
  };
  for (const refusal& c : cases) {
    const policy_error e = error_of(c.xml);
    EXPECT_EQ(e.file(), "acl.xml") << c.what;
    EXPECT_EQ(e.line(), c.line) << c.what << ": " << e.what();
    EXPECT_NE(e.reason().find(c.reason), std::string::npos) << c.what << ": " << e.what();
    EXPECT_EQ(std::string(e.what()), "acl.xml:" + std::to_string(c.line) + ": " + e.reason()) << c.what;
  }
}

TEST(PolicyErrors, AMissingFileNamesTheFile) {
  try {
    policy::load("/nonexistent/acl.xml");
    FAIL() << "loaded";
  } catch (const policy_error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/acl.xml: cannot open the file");
  }
}

TEST(Explain, NamesThePermissionAndTheInheritancePath) {
  const policy p = policy::parse(issue_example, "acl.xml");
  const explanation direct = p.explain("employee", "time_card", "read");
  EXPECT_TRUE(direct.granted);
  EXPECT_EQ(direct.line, 8u);
  EXPECT_EQ(direct.file, "acl.xml");
  EXPECT_EQ(direct.path, (std::vector<std::string>{"employee"}));
  EXPECT_NE(direct.text.find("directly"), std::string::npos) << direct.text;

  const explanation inherited = p.explain("manager", "time_card.today", "write");
  EXPECT_TRUE(inherited.granted);
  EXPECT_EQ(inherited.path, (std::vector<std::string>{"manager", "employee"}));
  EXPECT_EQ(inherited.resource, "time_card");
  EXPECT_NE(inherited.text.find("manager -> employee"), std::string::npos) << inherited.text;
  EXPECT_NE(inherited.text.find("acl.xml:8"), std::string::npos) << inherited.text;

  const explanation no = p.explain("customer", "time_card", "read");
  EXPECT_FALSE(no.granted);
  EXPECT_NE(no.text.find("roles that have it: employee, manager"), std::string::npos) << no.text;

  const explanation unknown = p.explain("ghost", "time_card", "read");
  EXPECT_FALSE(unknown.granted);
  EXPECT_NE(unknown.text.find("not defined"), std::string::npos) << unknown.text;
}

TEST(Explain, TakesTheShortestPath) {
  const policy p = policy::parse(
      config("<role><name>g</name></role>\n"
             "<role><name>m</name><inheritFrom>g</inheritFrom></role>\n"
             "<role><name>t</name><inheritFrom>m</inheritFrom><inheritFrom>g</inheritFrom></role>\n",
             "<permission><resources><resource>r</resource></resources><roles><role>g"
             "</role></roles><privileges><privilege>call</privilege></privileges>"
             "</permission>\n"));
  EXPECT_EQ(p.explain("t", "r", "call").path, (std::vector<std::string>{"t", "g"}));
}

// Random acyclic role graphs (parents only among earlier roles, then shuffled in the file) and
// permissions; every (role, resource, privilege) is checked against a naive recursive walk of
// the same model, and explain() must agree with check().
TEST(Closure, MatchesANaiveRecursiveCheckOnGeneratedPolicies) {
  std::mt19937 rng(12345);
  const std::vector<std::string> resources = {"A", "A.x", "A.y", "B", "B.x", "C.x.y"};
  const std::vector<std::string> queries = {"A",     "A.x", "A.y", "A.z",   "B", "B.x",
                                            "B.x.q", "C",   "C.x", "C.x.y", "D"};
  const std::vector<std::string> privileges = {"call", "subscribe", "publish"};
  for (int round = 0; round < 40; ++round) {
    const std::size_t n = 1 + rng() % 12;
    std::vector<std::vector<std::size_t>> parents(n);
    for (std::size_t r = 1; r < n; ++r) {
      for (std::size_t q = 0; q < r; ++q) {
        if (rng() % 4 == 0) parents[r].push_back(q);
      }
    }
    struct perm {
      std::set<std::string> res;
      std::set<std::size_t> roles;
      std::set<std::string> privs;
    };
    std::vector<perm> perms(rng() % 8);
    for (perm& p : perms) {
      p.res.insert(resources[rng() % resources.size()]);
      if (rng() % 2) p.res.insert(resources[rng() % resources.size()]);
      p.roles.insert(rng() % n);
      if (rng() % 2) p.roles.insert(rng() % n);
      p.privs.insert(privileges[rng() % privileges.size()]);
      if (rng() % 3 == 0) p.privs.insert(privileges[rng() % privileges.size()]);
    }
    const auto name = [](std::size_t r) { return "r" + std::to_string(r); };
    std::vector<std::size_t> file_order(n);
    for (std::size_t i = 0; i < n; ++i) file_order[i] = i;
    std::shuffle(file_order.begin(), file_order.end(), rng);
    std::string roles_xml;
    for (const std::size_t r : file_order) {
      roles_xml += "<role><name>" + name(r) + "</name>";
      for (const std::size_t q : parents[r]) roles_xml += "<inheritFrom>" + name(q) + "</inheritFrom>";
      roles_xml += "</role>\n";
    }
    std::string perms_xml;
    for (const perm& p : perms) {
      perms_xml += "<permission><resources>";
      for (const auto& x : p.res) perms_xml += "<resource>" + x + "</resource>";
      perms_xml += "</resources><roles>";
      for (const auto r : p.roles) perms_xml += "<role>" + name(r) + "</role>";
      perms_xml += "</roles><privileges>";
      for (const auto& x : p.privs) perms_xml += "<privilege>" + x + "</privilege>";
      perms_xml += "</privileges></permission>\n";
    }
    const policy loaded = policy::parse(config(roles_xml, perms_xml));

    const std::function<bool(std::size_t, const std::string&, const std::string&)> naive =
        [&](std::size_t r, const std::string& resource, const std::string& privilege) {
          for (const perm& p : perms) {
            if (!p.roles.count(r) || !p.privs.count(privilege)) continue;
            for (const std::string& x : p.res) {
              if (resource == x || resource.rfind(x + ".", 0) == 0) return true;
            }
          }
          for (const std::size_t q : parents[r]) {
            if (naive(q, resource, privilege)) return true;
          }
          return false;
        };
    for (std::size_t r = 0; r < n; ++r) {
      for (const std::string& resource : queries) {
        for (const std::string& privilege : privileges) {
          const bool expected = naive(r, resource, privilege);
          ASSERT_EQ(loaded.check(name(r), resource, privilege), expected)
              << "round " << round << " " << name(r) << " " << resource << " " << privilege;
          ASSERT_EQ(loaded.explain(name(r), resource, privilege).granted, expected)
              << "round " << round << " " << name(r) << " " << resource << " " << privilege;
        }
      }
    }
  }
}

}  // namespace
}  // namespace amphora::security

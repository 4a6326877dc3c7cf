// customer::normalize_email (the uniqueness key of an account) and the
// redaction of events on their way out of the store (domain/redaction.hpp).

#include <simdjson.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "actors/domain/cart.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "actors/domain/redaction.hpp"

namespace agora::domain {
namespace {

using customer::normalize_email;

std::string key(std::string_view email) {
  auto n = normalize_email(email);
  if (!n) return "<error: " + n.error().message + ">";
  return *n;
}

bool refused(std::string_view email) { return !normalize_email(email).has_value(); }

TEST(NormalizeEmail, AsciiAddressesKeepTheirOldKeys) {
  EXPECT_EQ(key("MiXeD@Example.ORG"), "mixed@example.org");
  EXPECT_EQ(key("a.b+tag@sub.example.com"), "a.b+tag@sub.example.com");
  EXPECT_EQ(key("x@xn--bcher-kva.de"), "x@xn--bcher-kva.de");
  EXPECT_EQ(key("X@XN--BCHER-KVA.DE"), "x@xn--bcher-kva.de");
}

TEST(NormalizeEmail, TrailingDotOfTheDomainIsDropped) {
  EXPECT_EQ(key("X@EXAMPLE.COM."), "x@example.com");
  EXPECT_EQ(key("x@example.com."), key("x@example.com"));
  EXPECT_TRUE(refused("x@."));
}

TEST(NormalizeEmail, CaseFoldsNonAsciiLetters) {
  EXPECT_EQ(key("Ä@x.de"), key("ä@x.de"));
  EXPECT_EQ(key("Ä@x.de"), "ä@x.de");
  EXPECT_EQ(key("ÖSTERREICH@X.AT"), "österreich@x.at");
  // A decomposed a + combining diaeresis is the same letter (NFKC).
  EXPECT_EQ(key("a\xCC\x88@x.de"), "ä@x.de");
  EXPECT_EQ(key("STRASSE@x.de"), key("straße@x.de"));
}

TEST(NormalizeEmail, FullWidthFormsFold) {
  // "ＡＢＣ＠ＥＸＡＭＰＬＥ．ＣＯＭ" in full-width letters, at sign and full stop.
  EXPECT_EQ(key("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\xA0\xEF\xBC\xA5\xEF\xBD\x98\xEF\xBD\x81\xEF\xBD\x8D"
                "\xEF\xBD\x90\xEF\xBD\x8C\xEF\xBD\x85\xEF\xBC\x8E\xEF\xBD\x83\xEF\xBD\x8F\xEF\xBD\x8D"),
            "abc@example.com");
  // The Kelvin sign is a K.
  EXPECT_EQ(key("\xE2\x84\xAA@x.com"), "k@x.com");
}

TEST(NormalizeEmail, InternationalDomainsBecomeALabels) {
  EXPECT_EQ(key("x@bücher.de"), "x@xn--bcher-kva.de");
  EXPECT_EQ(key("x@BÜCHER.DE"), "x@xn--bcher-kva.de");
  EXPECT_EQ(key("x@bücher.de."), "x@xn--bcher-kva.de");
  EXPECT_EQ(key("x@bücher.de"), key("x@xn--bcher-kva.de"));
  EXPECT_EQ(key("ä@bücher.de"), "ä@xn--bcher-kva.de");
  // An ideographic full stop separates labels too.
  EXPECT_EQ(key("x@bücher\xE3\x80\x82" "de"), "x@xn--bcher-kva.de");
  EXPECT_TRUE(refused("x@b\xE2\x98\x83.de"));  // a snowman is not allowed in IDNA2008
}

TEST(NormalizeEmail, MixedScriptLocalPartsAreRefused) {
  // "pаypal" with a Cyrillic а (U+0430) among Latin letters.
  EXPECT_TRUE(refused("p\xD0\xB0ypal@x.com"));
  EXPECT_TRUE(refused("\xD0\xB0" "dmin@x.com"));
  // A local part wholly in one script is fine, whichever script.
  EXPECT_EQ(key("\xD0\x90\xD0\x9D\xD0\x9D\xD0\x90@x.ru"), "\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0@x.ru");  // АННА -> анна
  EXPECT_FALSE(refused("\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0.2024@x.ru"));  // digits and dots go with any script
  // Japanese addresses mix Han, kana and Latin.
  EXPECT_FALSE(refused("\xE5\xB1\xB1\xE7\x94\xB0\xE3\x81\x9F\xE3\x82\x8D\xE3\x81\x86" "2@x.jp"));
}

TEST(NormalizeEmail, RefusesMalformedAndInvisible) {
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("no-at.example.com"));
  EXPECT_TRUE(refused("a@b@c"));
  EXPECT_TRUE(refused("@x.com"));
  EXPECT_TRUE(refused("a b@x.com"));
  EXPECT_TRUE(refused("\xC3@x.com"));                 // invalid UTF-8
  EXPECT_TRUE(refused("a\xE2\x80\x8B" "b@x.com"));    // zero-width space
  EXPECT_TRUE(refused("a\xC2\xA0" "b@x.com"));        // no-break space (NFKC: a space)
  EXPECT_TRUE(refused("\xC3\xA4@x\xE2\x80\x8D.de"));  // zero-width joiner in the domain
  EXPECT_TRUE(refused(std::string(250, 'a') + "@x.com"));
  auto e = normalize_email("bad");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().field, "email");
}

// ---- redaction ---------------------------------------------------------------

const std::string k_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$RECOGNISABLEHASH";

std::string registered_data() {
  customer::customer_registered e{"c1", "ann@x.com", k_hash, "Ann", customer::role::customer, 5};
  return customer::encode(customer::event{e}).data;
}

TEST(Redaction, CustomerEventsLoseTheHashAlways) {
  const std::string data = registered_data();
  ASSERT_NE(data.find(k_hash), std::string::npos);
  for (bool keep_personal : {false, true}) {
    auto r = redact_event_data("customer-c1", "CustomerRegistered", data, redaction_policy{keep_personal});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->find(k_hash), std::string::npos) << *r;
    EXPECT_EQ(r->find("password_hash"), std::string::npos) << *r;
    EXPECT_NE(r->find("\"customer_id\":\"c1\""), std::string::npos) << *r;
    EXPECT_NE(r->find("\"role\":\"customer\""), std::string::npos) << *r;
    EXPECT_EQ(r->find("ann@x.com") != std::string::npos, keep_personal) << *r;
    EXPECT_EQ(r->find("\"name\"") != std::string::npos, keep_personal) << *r;
  }
  const std::string changed = customer::encode(customer::event{customer::password_changed{k_hash, 7}}).data;
  auto r = redact_event_data("customer-c1", "PasswordChanged", changed, redaction_policy{true});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "{\"at\":7}");
}

TEST(Redaction, OtherEventsPassUntouchedWithoutParsing) {
  EXPECT_FALSE(redact_event_data("order-o1", "OrderPlaced", "{\"n\":1}", {}).has_value());
  EXPECT_FALSE(redact_event_data("order-o1", "OrderPlaced", "not json", {}).has_value());
  EXPECT_FALSE(
      redact_event_data("customer-c1", "RoleChanged", "{\"from\":\"customer\",\"to\":\"admin\",\"at\":1}", {})
          .has_value());
  // A value that mentions a password is no field named so.
  EXPECT_FALSE(redact_event_data("product-p1", "ProductCreated", "{\"name\":\"Password safe\"}", {}).has_value());
}

TEST(Redaction, UndeclaredPasswordFieldsAreDroppedAnywhere) {
  auto r = redact_event_data("order-o1", "Anything",
                             "{\"a\":1,\"new_password_hash\":\"h\",\"OldPassword\":[1],\"PASSWORD\":2,\"b\":{\"c\":2}}", {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "{\"a\":1,\"b\":{\"c\":2}}");
}

// Every event of every aggregate, default-constructed and encoded: a field
// named like a secret must be declared secret (the runtime safety net only
// knows "password"). Fails when someone adds, say, a reset token to an event
// and forgets redaction.cpp.
bool looks_secret(std::string_view name) {
  for (std::string_view w : {"password", "secret", "token", "credential"}) {
    if (name.find(w) != std::string_view::npos) return true;
  }
  return name == "key" || (name.size() > 4 && name.substr(name.size() - 4) == "_key");
}

void check_fields(std::string_view kind, const encoded_event& e, simdjson::dom::element v, const std::string& path,
                  std::vector<std::string>* problems) {
  simdjson::dom::object obj;
  simdjson::dom::array arr;
  if (v.get(obj) == simdjson::SUCCESS) {
    for (auto field : obj) {
      const std::string name(field.key);
      if (looks_secret(name)) {
        bool declared = false;
        if (path.empty()) {
          for (const auto& f : sensitive_fields(kind, e.type)) declared = declared || (f.name == name && f.cls == field_class::secret);
        }
        if (!declared) {
          problems->push_back(std::string(kind) + " " + e.type + ": field " + path + name +
                              (path.empty() ? " is not declared secret in redaction.cpp"
                                            : " is nested: redaction drops top-level fields only"));
        }
      }
      check_fields(kind, e, field.value, path + name + ".", problems);
    }
  } else if (v.get(arr) == simdjson::SUCCESS) {
    for (auto item : arr) check_fields(kind, e, item, path + "[].", problems);
  }
}

template <class Variant, class Encode, std::size_t... I>
void check_all(std::string_view kind, Encode encode, std::index_sequence<I...>, std::vector<std::string>* problems) {
  auto one = [&](const Variant& ev) {
    const encoded_event e = encode(ev);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(e.data).get(root), simdjson::SUCCESS) << e.type;
    check_fields(kind, e, root, "", problems);
  };
  (one(Variant{std::in_place_index<I>}), ...);
}

template <class Variant, class Encode>
void check_kind(std::string_view kind, Encode encode, std::vector<std::string>* problems) {
  check_all<Variant>(kind, encode, std::make_index_sequence<std::variant_size_v<Variant>>{}, problems);
}

TEST(Redaction, EveryEventFieldNamedLikeASecretIsDeclared) {
  std::vector<std::string> problems;
  check_kind<customer::event>(customer::kind, [](const customer::event& e) { return customer::encode(e); }, &problems);
  check_kind<product::event>(product::kind, [](const product::event& e) { return product::encode(e); }, &problems);
  check_kind<inventory::event>(inventory::kind, [](const inventory::event& e) { return inventory::encode(e); }, &problems);
  check_kind<cart::event>(cart::kind, [](const cart::event& e) { return cart::encode(e); }, &problems);
  check_kind<order::event>(order::kind, [](const order::event& e) { return order::encode(e); }, &problems);
  check_kind<claim::event>(claim::kind, [](const claim::event& e) { return claim::encode(e); }, &problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  // And the check itself sees the customer's hash fields (declared).
  EXPECT_EQ(sensitive_fields("customer", "PasswordChanged").size(), 1u);
}

TEST(Redaction, UnparsableDataOfASensitiveEventLeavesNothing) {
  auto r = redact_event_data("customer-c1", "PasswordChanged", "[\"" + k_hash + "\"]", {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "{}");
}

TEST(Redaction, EmailClaimStreamsStayInsideUnlessPersonalDataIsKept) {
  EXPECT_FALSE(stream_may_leave("claim-email:ann@x.com", {}));
  EXPECT_TRUE(stream_may_leave("claim-email:ann@x.com", redaction_policy{true}));
  EXPECT_TRUE(stream_may_leave("claim-sku:ABC", {}));
  EXPECT_TRUE(stream_may_leave("customer-c1", {}));
}

}  // namespace
}  // namespace agora::domain

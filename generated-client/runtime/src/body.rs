//! The methods and serde impls every generated body type has, written once: generated
//! modules invoke [`request_body!`] or [`response_body!`] once per type a whole body can be.
//! The wire form is the type's own: `Serialize` writes its [`ToJson`]
//! JSON, `Deserialize` reads with its `from_json_value` (strict for a request, lenient for a
//! response), so serde and the client agree byte for byte. The [`RequestBody`] and
//! [`ResponseBody`] impls they add let one runtime function check each documented example
//! ([`request_example`], [`response_example`]).

use serde_json::Value;

use super::decode::DecodeError;
use super::json::ToJson;
use super::violation::Violations;

/// A type a whole request body can be: read strictly from JSON, and validated.
pub trait RequestBody: ToJson + Sized {
    /// The type's strict `from_json_value`.
    fn read_value(v: &Value) -> Result<Self, Violations>;
    /// The type's `validate()`.
    fn check_rules(&self) -> Result<(), Violations>;
}

/// A type a whole response body can be: decoded leniently from JSON.
pub trait ResponseBody: ToJson + Sized {
    /// The type's lenient `from_json_value`.
    fn decode_value(v: &Value) -> Result<Self, DecodeError>;
}

/// Test support for the generated `documented_examples` tests: a documented request
/// `example` is JSON, is read without a violation, validates, and is written back as the
/// documented JSON (or as `written`, when the example sends a field under an alias and the
/// client writes it under the field's name). Panics with what differs.
#[track_caller]
pub fn request_example<T: RequestBody>(example: &str, written: Option<&str>) {
    let doc: Value = serde_json::from_str(example).expect("the documented example is JSON");
    let value = T::read_value(&doc).unwrap_or_else(|e| panic!("the documented example is rejected: {e}"));
    assert_eq!(value.check_rules(), Ok(()));
    match written {
        Some(w) => {
            let want: Value = serde_json::from_str(w).expect("JSON");
            assert_eq!(
                value.to_json(),
                want,
                "the example, read under a field's alias, is written under the field's name"
            );
        }
        None => assert_eq!(value.to_json(), doc, "the JSON written differs from the documented JSON"),
    }
}

/// Test support for the generated `documented_examples` tests: a documented response or
/// error body `example` is JSON, decodes, and is written back as the documented JSON.
#[track_caller]
pub fn response_example<T: ResponseBody>(example: &str) {
    let doc: Value = serde_json::from_str(example).expect("the documented example is JSON");
    let value = T::decode_value(&doc).unwrap_or_else(|e| panic!("the documented example does not decode: {e}"));
    assert_eq!(value.to_json(), doc, "the JSON written differs from the documented JSON");
}

/// For a request body type (which has a strict `from_json_value` and a `validate()` of its
/// own): [`RequestBody`], `to_json_value()`, and serde `Serialize`/`Deserialize` through the
/// wire form.
#[doc(hidden)]
#[macro_export]
macro_rules! __happyhorse_request_body {
    ($t:ident) => {
        impl $crate::body::RequestBody for $t {
            fn read_value(v: &$crate::export::serde_json::Value) -> ::std::result::Result<Self, $crate::Violations> {
                Self::from_json_value(v)
            }

            fn check_rules(&self) -> ::std::result::Result<(), $crate::Violations> {
                self.validate()
            }
        }

        $crate::__happyhorse_body_serde!($t);
    };
}

/// `to_json_value()` and serde `Serialize`/`Deserialize` through the wire form.
#[doc(hidden)]
#[macro_export]
macro_rules! __happyhorse_body_serde {
    ($t:ident) => {
        impl $t {
            /// The JSON wire form.
            pub fn to_json_value(&self) -> $crate::export::serde_json::Value {
                $crate::json::ToJson::to_json(self)
            }
        }

        impl $crate::export::serde::Serialize for $t {
            fn serialize<S: $crate::export::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::export::serde::Serialize::serialize(&$crate::json::ToJson::to_json(self), serializer)
            }
        }

        impl<'de> $crate::export::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::export::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let v = <$crate::export::serde_json::Value as $crate::export::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                Self::from_json_value(&v).map_err($crate::export::serde::de::Error::custom)
            }
        }
    };
}

/// For a response body type (a submit or status answer, the error body, a callback
/// payload): lenient `from_json_value`/`from_json_slice` through its `Decode`, and
/// `to_json_value()` and serde, as [`request_body!`] gives.
#[doc(hidden)]
#[macro_export]
macro_rules! __happyhorse_response_body {
    ($t:ident) => {
        impl $t {
            /// Decodes a response body leniently: unknown fields are ignored and unknown enum
            /// values are kept; a missing required field or a wrong type is an error naming
            /// its path.
            pub fn from_json_value(
                v: &$crate::export::serde_json::Value,
            ) -> ::std::result::Result<Self, $crate::DecodeError> {
                $crate::decode::value(v)
            }

            /// Like [`Self::from_json_value`], for body bytes.
            pub fn from_json_slice(bytes: &[u8]) -> ::std::result::Result<Self, $crate::DecodeError> {
                $crate::decode::body(bytes)
            }
        }

        impl $crate::body::ResponseBody for $t {
            fn decode_value(v: &$crate::export::serde_json::Value) -> ::std::result::Result<Self, $crate::DecodeError> {
                Self::from_json_value(v)
            }
        }

        $crate::__happyhorse_body_serde!($t);
    };
}

/// `SubmitBody` and `RequestOf<$api>` for a type the client submits, delegating to the
/// type's own `from_json_for`, `operation`, `validate`, `polling` and `mode`; with
/// `, estimate` also to its `estimate_with` (the cost from the billing inputs given by name).
#[doc(hidden)]
#[macro_export]
macro_rules! __happyhorse_submit_body {
    ($t:ident for $api:ident) => {
        $crate::__happyhorse_submit_body!(@impl $t, $api, {});
    };
    ($t:ident for $api:ident, estimate) => {
        $crate::__happyhorse_submit_body!(@impl $t, $api, {
            fn estimate(
                &self,
                inputs: &[(&str, $crate::Decimal)],
            ) -> ::std::option::Option<::std::result::Result<$crate::CostEstimate, $crate::BillingError>> {
                $t::estimate_with(self, inputs)
            }
        });
    };
    (@impl $t:ident, $api:ident, { $($estimate:tt)* }) => {
        impl $crate::provider::SubmitBody for $t {
            fn from_json(
                operation: &str,
                body: &$crate::export::serde_json::Value,
            ) -> ::std::result::Result<Self, $crate::Violations> {
                $t::from_json_for(operation, body)
            }

            fn operation(&self) -> &'static str {
                $t::operation(self)
            }

            fn validate(&self) -> ::std::result::Result<(), $crate::Violations> {
                $t::validate(self)
            }

            fn polling(&self) -> $crate::PollingGuidance {
                $t::polling(self)
            }

            fn mode(&self) -> &'static str {
                $t::mode(self)
            }

            $($estimate)*
        }

        impl $crate::provider::RequestOf<$api> for $t {}
    };
}

#[doc(inline)]
pub use crate::__happyhorse_request_body as request_body;
#[doc(inline)]
pub use crate::__happyhorse_response_body as response_body;
#[doc(inline)]
pub use crate::__happyhorse_submit_body as submit_body;

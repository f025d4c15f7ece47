//! A YAML/JSON value tree that keeps the position of every node, for checks that report all problems.

use crate::diag::Pos;
use crate::text::Text;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A parsed value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// The shape of a value. Map keys keep their own positions; order is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A map key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub pos: Pos,
    pub name: String,
}

impl Value {
    /// A word for the kind of value, for messages.
    pub fn kind(&self) -> Text {
        let (zh, en) = match self {
            Value::Null => ("空值", "nothing"),
            Value::Bool(_) => ("是/否值", "a true/false value"),
            Value::Number(_) => ("数字", "a number"),
            Value::String(_) => ("文字", "text"),
            Value::List(_) => ("列表", "a list"),
            Value::Map(_) => ("键值映射", "a mapping"),
        };
        Text::new(zh, en)
    }

    /// Scalar as text: strings as they are, numbers without a trailing `.0`.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }
}

pub use crate::text::format_number;

impl Node {
    /// Look a key up in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Any value as written; the answers schema says more where it knows more.
impl schemars::JsonSchema for Node {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Value".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({})
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: Pos::of(spanned.referenced),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        let name = match spanned.value {
            Value::Null => String::new(),
            other => other
                .as_text()
                .ok_or_else(|| de::Error::custom("a mapping key must be text or a number"))?,
        };
        Ok(Key {
            pos: Pos::of(spanned.referenced),
            name,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor::<false>)
    }
}

/// Builds a [`Value`]; children keep their positions (YAML through serde-saphyr), or, when `PLAIN`,
/// are read without (JSON Lines through serde_json, which has none to give).
struct ValueVisitor<const PLAIN: bool>;

impl<'de, const PLAIN: bool> Visitor<'de> for ValueVisitor<PLAIN> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let next = if PLAIN {
                seq.next_element::<PlainNode>()?.map(|p| p.0)
            } else {
                seq.next_element::<Node>()?
            };
            match next {
                Some(node) => out.push(node),
                None => return Ok(Value::List(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out: Vec<(Key, Node)> = Vec::new();
        loop {
            let key = if PLAIN {
                map.next_key::<String>()?.map(|name| Key {
                    pos: Pos::UNKNOWN,
                    name,
                })
            } else {
                map.next_key::<Key>()?
            };
            let Some(key) = key else {
                return Ok(Value::Map(out));
            };
            let value = if PLAIN {
                map.next_value::<PlainNode>()?.0
            } else {
                map.next_value::<Node>()?
            };
            out.push((key, value));
        }
    }
}

/// A value tree read from a deserializer that has no positions (JSON Lines through serde_json):
/// built directly, without an intermediate `serde_json::Value`.
pub struct PlainNode(pub Node);

impl<'de> Deserialize<'de> for PlainNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor::<true>).map(|value| {
            PlainNode(Node {
                pos: Pos::UNKNOWN,
                value,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_file::SourceFile;

    #[test]
    fn positions_are_kept() {
        let src = SourceFile::from_text("t", "a:\n  b: [1, x]\n  c: {d: no}\n");
        let node: Node = src.parse_yaml().unwrap();
        let b = node.get("a").unwrap().get("b").unwrap();
        assert_eq!(b.pos, Pos { line: 2, column: 6 });
        let Value::List(items) = &b.value else {
            panic!()
        };
        assert_eq!(
            items[1].pos,
            Pos {
                line: 2,
                column: 10
            }
        );
        assert_eq!(items[1].value, Value::String("x".into()));
        let d = node.get("a").unwrap().get("c").unwrap().get("d").unwrap();
        assert_eq!(
            d.value,
            Value::String("no".into()),
            "YAML 1.1 booleans stay text"
        );
    }

    #[test]
    fn json_parses_with_positions() {
        let src = SourceFile::from_text("t.json", "{\n  \"answers\": {\"x\": \"A\"}\n}\n");
        let node: Node = src.parse_yaml().unwrap();
        let x = node.get("answers").unwrap().get("x").unwrap();
        assert_eq!(x.pos.line, 2);
    }
}

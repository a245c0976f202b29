//! A YAML file of this repository (`action.yml`, `.pre-commit-hooks.yaml`) as JSON, every
//! scalar a string, through the YAML parser the template reader uses: enough to read back
//! the commands these files run. Not a general loader: tags, aliases and anchors are
//! refused.

use saphyr_parser::{Event, Parser};
use serde_json::{Map, Value};

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

pub fn load(text: &str) -> Value {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let put = |stack: &mut Vec<Frame>, v: Value, root: &mut Option<Value>| match stack.last_mut() {
        None => *root = Some(v),
        Some(Frame::Seq(items)) => items.push(v),
        Some(Frame::Map(map, key)) => match key.take() {
            None => {
                let Value::String(k) = v else {
                    panic!("a key that is not a scalar")
                };
                *key = Some(k);
            }
            Some(k) => {
                assert!(map.insert(k.clone(), v).is_none(), "key `{k}` repeated");
            }
        },
    };
    for item in Parser::new_from_str(text) {
        let (event, _) = item.expect("valid YAML");
        match event {
            Event::Scalar(text, _, anchor, tag) => {
                assert!(anchor == 0 && tag.is_none(), "no tags or anchors: {text}");
                put(&mut stack, Value::String(text.to_string()), &mut root);
            }
            Event::SequenceStart(_, _) => stack.push(Frame::Seq(Vec::new())),
            Event::MappingStart(_, _) => stack.push(Frame::Map(Map::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let v = match stack.pop() {
                    Some(Frame::Seq(items)) => Value::Array(items),
                    Some(Frame::Map(map, _)) => Value::Object(map),
                    None => panic!("unbalanced YAML"),
                };
                put(&mut stack, v, &mut root);
            }
            Event::Alias(_) => panic!("no aliases"),
            _ => {}
        }
    }
    root.expect("a document")
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use iam_refine_verify::compare::{Comparer, CompareOptions};
use iam_refine_verify::Z3Worker;
use serde_json::json;

#[test]
fn timing() {
    let mut w = Z3Worker::new();
    let old = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/*"}]});
    let wider = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::*"}]});
    for _ in 0..4 {
        let c = Comparer::new().compare(&mut w, &[old.clone()], &[wider.clone()], &CompareOptions::default()).unwrap();
        println!("{:?} {:?}", c.verdict, c.elapsed);
    }
}

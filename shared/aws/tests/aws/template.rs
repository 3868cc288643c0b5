//! The tables the tests create are the tables `template.yaml` deploys: the
//! index names and keys in `noktvrn_aws::testing` are checked against the
//! template's text, so a change to one without the other fails here.

use noktvrn_aws::testing::{RELEASES_GSIS, RUNS_GSIS};

fn template() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// The text of a top-level resource (two-space indent) of the template:
/// its lines up to the next line indented by two spaces or less.
fn resource(template: &str, name: &str) -> String {
    let header = format!("  {name}:");
    let mut lines = template.lines().skip_while(|l| *l != header);
    assert!(
        lines.next().is_some(),
        "template.yaml has no resource {name}"
    );
    lines
        .take_while(|l| l.is_empty() || l.starts_with("   "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_gsi(table: &str, block: &str, (name, hash, range): (&str, &str, &str)) {
    let at = block
        .find(&format!("IndexName: {name}"))
        .unwrap_or_else(|| panic!("{table} has no index {name} in template.yaml"));
    let index: String = block[at..].chars().take(300).collect();
    assert!(
        index.contains(&format!("AttributeName: {hash}, KeyType: HASH")),
        "{table}.{name} hash key is not {hash}:\n{index}"
    );
    assert!(
        index.contains(&format!("AttributeName: {range}, KeyType: RANGE")),
        "{table}.{name} range key is not {range}:\n{index}"
    );
}

#[test]
fn the_test_tables_match_template_yaml() {
    let t = template();
    let artists = &resource(&t, "ArtistsTable");
    assert!(
        artists.contains("{ AttributeName: pk, KeyType: HASH }"),
        "{artists}"
    );
    assert!(
        artists.contains("{ AttributeName: sk, KeyType: RANGE }"),
        "{artists}"
    );

    let runs = &resource(&t, "RunsTable");
    assert!(
        runs.contains("{ AttributeName: pk, KeyType: HASH }"),
        "{runs}"
    );
    for gsi in RUNS_GSIS {
        assert_gsi("RunsTable", runs, *gsi);
    }
    assert!(runs.contains("AttributeName: ttl, Enabled: true"), "{runs}");

    let releases = &resource(&t, "ReleasesTable");
    for gsi in RELEASES_GSIS {
        assert_gsi("ReleasesTable", releases, *gsi);
    }

    let trends = &resource(&t, "TrendsTable");
    assert!(
        trends.contains("{ AttributeName: pk, KeyType: HASH }"),
        "{trends}"
    );
    assert!(
        trends.contains("{ AttributeName: sk, KeyType: RANGE }"),
        "{trends}"
    );
    assert!(
        trends.contains("AttributeName: ttl, Enabled: true"),
        "{trends}"
    );

    let queue = &resource(&t, "ReleaseQueue");
    assert!(queue.contains("maxReceiveCount"), "{queue}");
}

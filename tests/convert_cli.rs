//! `warroom convert` end to end: the command a user types turns a public
//! data set into a recording the next command replays as it is, finding
//! the written config beside it.

mod common;

use std::process::Command;

fn warroom(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .output()
        .expect("run warroom")
}

#[test]
fn a_converted_data_set_replays_with_the_config_written_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tianchi");
    let src = common::real_data("taobao-tianchi2014-double12-sample");
    let run = warroom(&[
        "convert",
        "tianchi-double12",
        src.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    assert!(said.contains("1999 rows read, 0 skipped"), "{said}");
    assert!(out.join("warroom.toml").is_file());

    // No --config: the replay finds OUT/warroom.toml beside OUT/campaign.
    let summary = tmp.path().join("summary.json");
    let run = warroom(&[
        "replay",
        out.join("campaign").to_str().unwrap(),
        "--headless",
        "--summary-out",
        summary.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let read = s["records"]["read"].as_u64().unwrap();
    let traffic = s["records"]["by_kind"]["traffic"].as_u64().unwrap();
    assert!(read > 0 && read == traffic, "{s}");
    assert_eq!(s["records"]["skipped"], 0);

    // A second conversion keeps a config the user edited.
    std::fs::write(
        out.join("warroom.toml"),
        "# edited\n[campaign]\nname = \"mine\"\ntimezone = \"+08:00\"\n",
    )
    .unwrap();
    let run = warroom(&[
        "convert",
        "tianchi-double12",
        src.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("kept the existing"));
    assert!(std::fs::read_to_string(out.join("warroom.toml"))
        .unwrap()
        .starts_with("# edited"));

    // A missing input is a clear error, not a panic.
    let run = warroom(&[
        "convert",
        "rees46",
        "/nonexistent/x.csv",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot read /nonexistent/x.csv"));
}

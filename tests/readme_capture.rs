//! The README's screen capture is what `warroom snapshot` prints today.
//!
//! The README shows a `$ warroom snapshot …` command and its output in one
//! code block; this runs that exact command and compares. When the screen
//! changes on purpose, refresh the README with
//! `UPDATE_README=1 cargo test --release --test readme_capture`.

use std::path::Path;
use std::process::Command;

const PROMPT: &str = "$ warroom snapshot ";

#[test]
fn readme_capture_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let start = readme
        .find(PROMPT)
        .expect("README shows a `$ warroom snapshot` command");
    let line_end = start + readme[start..].find('\n').expect("command line ends");
    let block_end = line_end + readme[line_end..].find("\n```").expect("code block ends");
    let command = &readme[start + 2..line_end];
    let shown = &readme[line_end + 1..block_end];

    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(&args)
        .current_dir(root)
        .output()
        .expect("run warroom snapshot");
    assert!(
        out.status.success(),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("UTF-8 screen");
    let printed = printed.trim_end_matches('\n');

    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!(
            "{}{}{}",
            &readme[..line_end + 1],
            printed,
            &readme[block_end..]
        );
        std::fs::write(&readme_path, updated).expect("write README.md");
        return;
    }
    if shown != printed {
        let diff: Vec<String> = shown
            .lines()
            .zip(printed.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  README: {a}\n  now:    {b}", i + 1))
            .collect();
        panic!(
            "the README's capture of `{command}` is stale ({} vs {} lines); first differences:\n{}\n\
             refresh it with UPDATE_README=1 cargo test --release --test readme_capture",
            shown.lines().count(),
            printed.lines().count(),
            diff.join("\n")
        );
    }
}

//! The README's example program is the outside-the-workspace crate that CI
//! builds and runs (`examples/new-user`), byte for byte.

#[test]
fn the_readme_shows_the_new_user_program_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = std::fs::read_to_string(root.join("examples/new-user/src/main.rs")).unwrap();
    let block = format!("```rust,no_run\n{program}```\n");
    assert!(
        readme.contains(&block),
        "README.md does not show examples/new-user/src/main.rs as it is: copy the file into its block"
    );
}

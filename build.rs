fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=src/demo/demo.json");
    // The PostgreSQL variant of each database test runs only when a server is configured; without
    // one it is compiled as ignored, so the test summary says it did not run.
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo:rerun-if-env-changed=BANTIN_TEST_POSTGRES_URL");
    if std::env::var("BANTIN_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=postgres_tests");
    }
}

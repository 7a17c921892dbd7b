//! How long code generation takes in-process for the workspace's specs: loading every spec
//! file, lowering to the IR, emitting the tokens and formatting them with prettyplease (what
//! `cargo xtask codegen` does before it compares or writes), and each stage alone. A
//! benchmark, not a test: it asserts nothing about speed.
//!
//! `cargo bench -p happyhorse-codegen --bench codegen` (release), or in the build xtask
//! runs: `cargo bench -p happyhorse-codegen --bench codegen --profile dev`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use happyhorse_codegen::output;

fn codegen(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let modules = output::load_all(&root).expect("the workspace's specs lower");
    let mut g = c.benchmark_group("codegen");
    g.sample_size(20);
    g.bench_function("workspace", |b| b.iter(|| black_box(output::generate_workspace(&root).expect("generates"))));
    g.bench_function("load_and_lower", |b| b.iter(|| black_box(output::load_all(&root).expect("lowers"))));
    g.bench_function("emit_and_format", |b| b.iter(|| black_box(output::generate(&modules).expect("generates"))));
    g.finish();
}

criterion_group!(benches, codegen);
criterion_main!(benches);

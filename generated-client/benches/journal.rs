//! What the task journal costs per submit, on loopback: the same submits through a client
//! without a journal and with the file journal (two appends, each `fsync`'d, plus the
//! reads that keep the ledger current). A benchmark, not a test: it prints timings and
//! asserts nothing about speed. Run with `cargo bench -p happyhorse-client --bench journal`
//! (`-- N` for N submits per variant, default 200).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use happyhorse_client::apixo;
use serde_json::json;
use support::{Reply, Server};

fn request(i: usize) -> apixo::SubmitRequest {
    apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new(format!("bench prompt {i}"))
            .with_resolution(apixo::Resolution::P720)
            .with_duration(5),
    )
}

/// Per-submit wall times of `n` sequential submits.
async fn measure(client: &apixo::Client, n: usize, offset: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        client.submit(&request(offset + i)).await.expect("the loopback server accepts every submit");
        times.push(started.elapsed());
    }
    times.sort();
    times
}

fn report(name: &str, times: &[Duration]) -> Duration {
    let total: Duration = times.iter().sum();
    let mean = total / times.len() as u32;
    let pct = |p: usize| times[(times.len() - 1) * p / 100];
    println!(
        "{name:<22} n={:<5} mean {:>9.3?}  p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}",
        times.len(),
        mean,
        pct(50),
        pct(90),
        pct(99)
    );
    mean
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let accepted = Reply::json(200, json!({"code": 200, "message": "success", "data": {"taskId": "task_bench"}}));
        let server = Server::start(vec![], accepted).await;
        let dir = std::env::temp_dir().join(format!("hh-bench-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let plain = apixo::Client::builder().api_key("bench-key").base_url(server.url()).build().unwrap();
        let journaled = apixo::Client::builder()
            .api_key("bench-key")
            .base_url(server.url())
            .journal_file(dir.join("journal.jsonl"))
            .unwrap()
            .build()
            .unwrap();
        // Warm up connections, the allocator and the file.
        measure(&plain, 20, 1_000_000).await;
        measure(&journaled, 20, 2_000_000).await;
        println!("journal cost per submit on loopback ({}):", dir.display());
        let base = report("no journal", &measure(&plain, n, 0).await);
        let with = report("file journal (fsync)", &measure(&journaled, n, 3_000_000).await);
        println!("journal overhead per submit: {:.3?}", with.saturating_sub(base));
        let _ = std::fs::remove_dir_all(&dir);
    });
}

//! The simulator plays modules it has never seen, from their spec alone: a module made from
//! the Modellix spec files with another name, base path, submit path and a status query that
//! takes the task id in the query string instead of the path, and a second copy of Modellix
//! whose paths collide with the first (served under `/_sim/m/<module>`). No Rust names them.
//!
//! The specs here are edits of the workspace's spec texts (regression guards of the
//! simulator's genericity, not evidence about any provider's docs).

use happyhorse_codegen::ir::Module;
use happyhorse_conformance::simulator::{Route, SimClock, SimConfig, Simulator};
use serde_json::{Value, json};

const KEY: &str = "test-key";

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec(name: &str) -> String {
    std::fs::read_to_string(root().join("spec").join(name)).expect("a spec file")
}

/// The Modellix provider and r2v endpoint files, renamed to `module`, with `edit` applied
/// to both texts, and one more endpoint file for each of `more` (applied to the edited r2v
/// endpoint file).
fn renamed(module: &str, edit: fn(String) -> String, more: &[fn(String) -> String]) -> Module {
    let upper = module.to_uppercase();
    let rename = |text: String| {
        edit(
            text.replace("module = \"modellix\"", &format!("module = \"{module}\""))
                .replace("provider = \"modellix\"", &format!("provider = \"{module}\""))
                .replace("MODELLIX_", &format!("{upper}_")),
        )
    };
    let endpoint = rename(spec("modellix-happyhorse-1.0-r2v.toml"));
    let mut files = vec![
        (format!("spec/{module}.toml"), rename(spec("modellix.toml"))),
        (format!("spec/{module}-r2v.toml"), endpoint.clone()),
    ];
    for (i, extra) in more.iter().enumerate() {
        files.push((format!("spec/{module}-more-{i}.toml"), extra(endpoint.clone())));
    }
    let mut modules = happyhorse_codegen::output::lower_texts(&files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(modules.len(), 1);
    modules.remove(0)
}

/// `acme`: base URL `https://api.acme.test/v2`, submit `POST /render`, status
/// `GET /jobs?job=<id>`.
fn acme() -> Module {
    renamed("acme", acme_edit, &[])
}

fn acme_edit(t: String) -> String {
    t.replace("base_url = \"https://api.modellix.ai\"", "base_url = \"https://api.acme.test/v2\"")
        .replace("path = \"/api/v1/tasks/{task_id}\"", "path = \"/jobs\"")
        .replace("name = \"task_id\"\nin = \"path\"", "name = \"job\"\nin = \"query\"")
        .replace("path = \"/api/v1/alibaba/happyhorse-1.0-r2v/async\"", "path = \"/render\"")
}

/// The r2v endpoint file as a second submit operation `again` at `POST /render-again`, with
/// a body that takes at most 2 reference images.
fn second_operation(t: String) -> String {
    t.replace("[endpoints.r2v]", "[endpoints.again]")
        .replace("[docs.r2v]", "[docs.again]")
        .replace("[operations.r2v]", "[operations.again]")
        .replace("operation = \"r2v\"", "operation = \"again\"")
        .replace("rust_name = \"ReferenceToVideo\"", "rust_name = \"Again\"")
        .replace("ReferenceToVideoRequest", "AgainRequest")
        .replace("name = \"submit_reference_to_video\"", "name = \"submit_again\"")
        .replace("name = \"submit_accepted\"", "name = \"again_accepted\"")
        .replace("path = \"/render\"", "path = \"/render-again\"")
        .replace("items = { min = 1, max = 9,", "items = { min = 1, max = 2,")
        .replace("id = \"character-reference-out-of-range\"", "id = \"again-character-reference-out-of-range\"")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// A JSON POST.
fn post(url: String, body: &Value) -> reqwest::RequestBuilder {
    http().post(url).bearer_auth(KEY).header("content-type", "application/json").body(body.to_string())
}

async fn call(request: reqwest::RequestBuilder) -> (u16, Value, Option<String>) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = response.bytes().await.expect("a body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body, allow)
}

fn config() -> SimConfig {
    SimConfig { polls_to_finish: 1, clock: SimClock::manual(), ..SimConfig::default() }
}

#[tokio::test]
async fn a_module_with_a_query_id_and_another_base_path_is_played_from_its_spec() {
    let sim = Simulator::start(vec![acme()], config()).await.expect("starts");
    let base = sim.base_url_of("acme").expect("served");
    assert_eq!(base, format!("{}/v2", sim.base_url()));
    assert_eq!(sim.routes(), [Route::op("acme", "r2v"), Route::op("acme", "status"), Route::AnyConnection]);

    let body = json!({"reference_images": ["https://example.com/a.png"], "prompt": "a cat"});
    let (status, answer, _) = call(post(format!("{base}/render"), &body)).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["data"]["task_id"].as_str().expect("the id at task.submit_id").to_owned();
    assert_eq!(id, "acme-task-1");
    // The follow URL is the status query, with the id in the query string.
    let follow = answer["data"]["get_result"]["url"].as_str().expect("task.follow").to_owned();
    assert_eq!(follow, format!("{base}/jobs?job=acme-task-1"));

    let (status, first, _) = call(http().get(&follow).bearer_auth(KEY)).await;
    assert_eq!((status, first["data"]["status"].clone()), (200, json!("pending")), "{first}");
    let (_, done, _) = call(http().get(&follow).bearer_auth(KEY)).await;
    assert_eq!(done["data"]["status"], "success", "{done}");
    let file = done["data"]["result"]["resources"][0]["url"].as_str().expect("an output URL");
    assert_eq!(http().get(file).send().await.expect("download").status(), 200);

    // The id goes in the query: a missing one is named, an unknown one is 404.
    let (status, missing, _) = call(http().get(format!("{base}/jobs")).bearer_auth(KEY)).await;
    assert_eq!(status, 400);
    assert!(missing["message"].as_str().is_some_and(|m| m.ends_with("parameter 'job' is required")), "{missing}");
    let (status, _, _) = call(http().get(format!("{base}/jobs?job=nope")).bearer_auth(KEY)).await;
    assert_eq!(status, 404);

    // Wrong methods on its paths, in its error shape; the documented Modellix paths are not
    // served.
    let (status, wrong, allow) = call(http().delete(format!("{base}/render")).bearer_auth(KEY)).await;
    assert_eq!((status, allow.as_deref()), (405, Some("POST")));
    assert_eq!(wrong["code"], 405);
    let (status, _, _) =
        call(http().get(format!("{}/api/v1/tasks/acme-task-1", sim.base_url())).bearer_auth(KEY)).await;
    assert_eq!(status, 404);
    assert_eq!(sim.tasks_created("acme"), 1);
}

#[tokio::test]
async fn a_module_whose_paths_are_taken_is_served_under_its_own_prefix() {
    let modellix = happyhorse_codegen::output::load_all(&root())
        .expect("the specs load")
        .into_iter()
        .find(|m| m.module == "modellix")
        .expect("modellix");
    let copy = renamed("copy", |t| t, &[]);
    let sim = Simulator::start(vec![modellix, copy], config()).await.expect("starts");
    assert_eq!(sim.base_url_of("modellix"), Some(sim.base_url()));
    let prefixed = sim.base_url_of("copy").expect("served");
    assert_eq!(prefixed, format!("{}/_sim/m/copy", sim.base_url()));

    let body = json!({"reference_images": ["https://example.com/a.png"], "prompt": "a cat"});
    for (module, base) in [("modellix", sim.base_url()), ("copy", prefixed.clone())] {
        let (status, answer, _) = call(post(format!("{base}/api/v1/alibaba/happyhorse-1.0-r2v/async"), &body)).await;
        assert_eq!(status, 200, "{module}: {answer}");
        let follow = answer["data"]["get_result"]["url"].as_str().expect("follow").to_owned();
        assert!(follow.starts_with(&format!("{base}/api/v1/tasks/{module}-task-1")), "{follow}");
        let (status, _, _) = call(http().get(&follow).bearer_auth(KEY)).await;
        assert_eq!(status, 200);
        assert_eq!(sim.tasks_created(module), 1);
    }
}

/// Several submit operations in one module (one per model, as Modellix selects the model by
/// path): each at its own route with its own request rules, sharing the task query.
#[tokio::test]
async fn several_submit_operations_share_one_module() {
    let two = renamed("acme", acme_edit, &[second_operation]);
    assert_eq!(two.submits.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["again", "r2v"]);
    let sim = Simulator::start(vec![two], config()).await.expect("starts");
    let base = sim.base_url_of("acme").expect("served");
    assert_eq!(
        sim.routes(),
        [Route::op("acme", "again"), Route::op("acme", "r2v"), Route::op("acme", "status"), Route::AnyConnection]
    );
    let three: Vec<String> = (0..3).map(|i| format!("https://example.com/{i}.png")).collect();
    let body = json!({"reference_images": three, "prompt": "a cat"});
    // Three images: within r2v's 1-9, past the second operation's 1-2.
    let (status, _, _) = call(post(format!("{base}/render"), &body)).await;
    assert_eq!(status, 200);
    let (status, rejected, _) = call(post(format!("{base}/render-again"), &body)).await;
    assert_eq!(status, 400, "{rejected}");
    assert!(rejected["message"].as_str().is_some_and(|m| m.contains("'reference_images' must have at most 2 items")));
    let two_images =
        json!({"reference_images": ["https://example.com/a.png", "https://example.com/b.png"], "prompt": "x"});
    let (status, answer, _) = call(post(format!("{base}/render-again"), &two_images)).await;
    assert_eq!(status, 200, "{answer}");
    // One task store: the second task of the module, queried at the shared status route.
    assert_eq!(answer["data"]["task_id"], "acme-task-2");
    let (status, polled, _) = call(http().get(format!("{base}/jobs?job=acme-task-2")).bearer_auth(KEY)).await;
    assert_eq!((status, polled["data"]["task_id"].clone()), (200, json!("acme-task-2")));
    assert_eq!(sim.task("acme", "acme-task-1").map(|t| t.operation), Some("r2v".to_owned()));
    assert_eq!(sim.task("acme", "acme-task-2").map(|t| t.operation), Some("again".to_owned()));
    assert_eq!(sim.requests(&Route::op("acme", "again")), 2);
    assert_eq!(sim.requests(&Route::op("acme", "r2v")), 1);
}

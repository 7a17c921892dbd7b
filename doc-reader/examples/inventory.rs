//! Prints the inventory of a saved page: `cargo run -p happyhorse-doc-reader --example inventory -- spec/docs/apixo-happyhorse.txt`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: inventory <page.txt|page.md>");
        std::process::exit(2);
    };
    let path = std::path::Path::new(&path);
    let page = match std::fs::read_to_string(path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            std::process::exit(1);
        }
    };
    let inventory = happyhorse_doc_reader::read(&page, happyhorse_doc_reader::Form::of_path(path));
    for f in &inventory.facts {
        println!("{:>4}  {}  {:?}\n      {}", f.line, f.section, f.kind, f.text);
    }
}

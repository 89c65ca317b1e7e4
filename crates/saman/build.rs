// The demo models in examples/ are built into the binary; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=../../examples");
}

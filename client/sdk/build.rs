//! Rebuilds the SDK when the runtime metadata its types are generated from changes: the
//! `subxt` macro reads `metadata/verin.scale`, and cargo does not track files a macro reads.
fn main() {
	println!("cargo:rerun-if-changed=metadata/verin.scale");
}

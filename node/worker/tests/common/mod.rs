//! ONNX graph builders the engine tests share.

use verin_zk::onnx::NodeProto;

/// A graph node running `op_type` on `inputs`, writing `output`.
pub fn node(op_type: &str, inputs: &[&str], output: &str) -> NodeProto {
	NodeProto {
		input: inputs.iter().map(|i| i.to_string()).collect(),
		output: vec![output.to_string()],
		op_type: op_type.to_string(),
		..Default::default()
	}
}

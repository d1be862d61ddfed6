//! Traits through which pallets see each other without depending on each other's crates.

use crate::model::ModelId;

/// Tells the model registry whether a model still has jobs that are not settled; a model
/// with open jobs cannot be removed. The inference market implements it.
pub trait ModelJobs {
	/// Whether any job for `model` is neither completed nor refunded.
	fn has_open_jobs(model: ModelId) -> bool;
}

/// No market: no model ever has open jobs.
impl ModelJobs for () {
	fn has_open_jobs(_model: ModelId) -> bool {
		false
	}
}

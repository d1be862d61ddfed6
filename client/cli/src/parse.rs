//! Reading what the user typed: tiers, tolerances, versions, amounts, statuses, addresses.

use verin_sdk::{AccountId, ModelStatus, ModelVersion, Tier, TierSet, ToleranceRule, UNIT};

use crate::{usage, Failure};

pub(crate) fn parse_tier(text: &str) -> Result<Tier, Failure> {
	match text.to_ascii_lowercase().as_str() {
		"vanilla" => Ok(Tier::Vanilla),
		"optimistic" => Ok(Tier::Optimistic),
		"tee" => Ok(Tier::Tee),
		"zk" => Ok(Tier::Zk),
		other => Err(usage(format!("unknown tier `{other}`: use vanilla, optimistic, tee or zk"))),
	}
}

pub(crate) fn parse_tiers(list: &[String]) -> Result<TierSet, Failure> {
	list.iter().map(|tier| parse_tier(tier)).collect()
}

pub(crate) fn parse_tolerance(text: &str) -> Result<ToleranceRule, Failure> {
	if text == "argmax" {
		return Ok(ToleranceRule::ArgmaxEqual);
	}
	let error = text
		.strip_prefix("abs:")
		.and_then(|e| e.parse::<f64>().ok())
		.filter(|e| (0.0..=4_000.0).contains(e))
		.ok_or_else(|| {
			usage(format!("unknown tolerance `{text}`: use argmax or abs:<max error, e.g. 0.001>"))
		})?;
	Ok(ToleranceRule::MaxAbsErrorMicros((error * 1e6).round() as u32))
}

pub(crate) fn parse_version(text: &str) -> Result<ModelVersion, Failure> {
	let parsed = text.split_once('.').and_then(|(major, minor)| {
		Some(ModelVersion::new(major.parse().ok()?, minor.parse().ok()?))
	});
	parsed.ok_or_else(|| usage(format!("`{text}` is not a version: use MAJOR.MINOR, e.g. 1.0")))
}

/// An amount in VRN (`0.001`, `12`), to the smallest unit.
pub(crate) fn parse_amount(text: &str) -> Result<u128, Failure> {
	let bad = || usage(format!("`{text}` is not an amount of VRN (e.g. 0.001, up to 12 decimals)"));
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	if fraction.len() > 12 || (whole.is_empty() && fraction.is_empty()) {
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let fraction: u128 = if fraction.is_empty() {
		0
	} else {
		format!("{fraction:0<12}").parse().map_err(|_| bad())?
	};
	whole.checked_mul(UNIT).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

/// A model status: `active`, `deprecated` or `disabled`.
pub(crate) fn parse_status(text: &str) -> Result<ModelStatus, Failure> {
	match text.to_ascii_lowercase().as_str() {
		"active" => Ok(ModelStatus::Active),
		"deprecated" => Ok(ModelStatus::Deprecated),
		"disabled" => Ok(ModelStatus::Disabled),
		other => {
			Err(usage(format!("unknown status `{other}`: use active, deprecated or disabled")))
		},
	}
}

/// An account's SS58 address.
pub(crate) fn parse_address(text: &str) -> Result<AccountId, Failure> {
	text.parse().map_err(|_| usage(format!("`{text}` is not an SS58 address")))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_are_read_in_vrn() {
		assert_eq!(parse_amount("0.001").unwrap(), UNIT / 1000);
		assert_eq!(parse_amount("12").unwrap(), 12 * UNIT);
		assert_eq!(parse_amount("1.000000000001").unwrap(), UNIT + 1);
		assert!(parse_amount("0.0000000000001").is_err());
		assert!(parse_amount("one").is_err());
		assert!(parse_amount(".").is_err());
	}

	#[test]
	fn statuses_and_addresses() {
		assert_eq!(parse_status("Disabled").unwrap(), ModelStatus::Disabled);
		assert!(parse_status("paused").is_err());
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert_eq!(parse_address(alice).unwrap().to_string(), alice);
		assert!(parse_address("//Alice").is_err());
	}

	#[test]
	fn tolerances_and_versions() {
		assert_eq!(parse_tolerance("abs:0.001").unwrap(), ToleranceRule::MaxAbsErrorMicros(1000));
		assert!(parse_tolerance("loose").is_err());
		assert_eq!(parse_version("2.3").unwrap(), ModelVersion::new(2, 3));
		assert!(parse_version("2").is_err());
	}
}

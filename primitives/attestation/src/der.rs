//! Just enough DER (X.690) to walk an X.509 certificate: tag-length-value items with
//! definite lengths, read without allocating.

/// An item's tag byte (single-byte tags are all X.509 needs).
pub mod tag {
	pub const BOOLEAN: u8 = 0x01;
	pub const INTEGER: u8 = 0x02;
	pub const BIT_STRING: u8 = 0x03;
	pub const OCTET_STRING: u8 = 0x04;
	pub const OID: u8 = 0x06;
	pub const UTC_TIME: u8 = 0x17;
	pub const GENERALIZED_TIME: u8 = 0x18;
	pub const SEQUENCE: u8 = 0x30;
	/// `[0]` EXPLICIT (the certificate's version).
	pub const CONTEXT_0: u8 = 0xa0;
	/// `[1]` IMPLICIT BIT STRING (the certificate's issuerUniqueID).
	pub const CONTEXT_1_PRIMITIVE: u8 = 0x81;
	/// `[2]` IMPLICIT BIT STRING (the certificate's subjectUniqueID).
	pub const CONTEXT_2_PRIMITIVE: u8 = 0x82;
	/// `[3]` EXPLICIT (the certificate's extensions).
	pub const CONTEXT_3: u8 = 0xa3;
}

/// The input is not the DER this reader expects (truncated, indefinite or over-long
/// lengths, or a different tag).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DerError;

/// One item: its tag, its content, and the whole encoding (tag and length included).
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
	pub tag: u8,
	pub content: &'a [u8],
	pub encoded: &'a [u8],
}

/// Reads DER items one after the other.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
	data: &'a [u8],
}

impl<'a> Reader<'a> {
	/// A reader over `data`.
	pub fn new(data: &'a [u8]) -> Self {
		Reader { data }
	}

	/// Whether every item was read.
	pub fn is_empty(&self) -> bool {
		self.data.is_empty()
	}

	/// The next item's tag without reading it.
	pub fn peek_tag(&self) -> Option<u8> {
		self.data.first().copied()
	}

	/// Reads the next item, whatever its tag.
	pub fn any(&mut self) -> Result<Item<'a>, DerError> {
		let (&tag, rest) = self.data.split_first().ok_or(DerError)?;
		// Multi-byte tags (low five bits all set) do not occur in the certificates we read.
		if tag & 0x1f == 0x1f {
			return Err(DerError);
		}
		let (&first, mut rest) = rest.split_first().ok_or(DerError)?;
		let length = if first < 0x80 {
			first as usize
		} else {
			let count = (first & 0x7f) as usize;
			// 0x80 is BER's indefinite length; more than 4 length bytes is never needed here.
			if count == 0 || count > 4 || rest.len() < count {
				return Err(DerError);
			}
			let mut length = 0usize;
			for &byte in &rest[..count] {
				length = (length << 8) | byte as usize;
			}
			rest = &rest[count..];
			length
		};
		if rest.len() < length {
			return Err(DerError);
		}
		let header = self.data.len() - rest.len();
		let encoded = &self.data[..header + length];
		let content = &rest[..length];
		self.data = &rest[length..];
		Ok(Item { tag, content, encoded })
	}

	/// Reads the next item, which must have `tag`.
	pub fn expect(&mut self, tag: u8) -> Result<Item<'a>, DerError> {
		let item = self.any()?;
		if item.tag != tag {
			return Err(DerError);
		}
		Ok(item)
	}

	/// Reads the next item if it has `tag`.
	pub fn optional(&mut self, tag: u8) -> Result<Option<Item<'a>>, DerError> {
		if self.peek_tag() == Some(tag) {
			return self.any().map(Some);
		}
		Ok(None)
	}

	/// Reads a SEQUENCE and returns a reader over its content.
	pub fn sequence(&mut self) -> Result<Reader<'a>, DerError> {
		self.expect(tag::SEQUENCE).map(|item| Reader::new(item.content))
	}
}

/// A BOOLEAN's value: DER allows only 0x00 and 0xff (BER's other non-zero bytes are not
/// DER, and two readers could disagree on them).
pub fn boolean(content: &[u8]) -> Result<bool, DerError> {
	match content {
		[0x00] => Ok(false),
		[0xff] => Ok(true),
		_ => Err(DerError),
	}
}

/// A non-negative INTEGER in its minimal encoding; values above `u32::MAX` read as
/// `u32::MAX` (every limit this crate reads is far smaller, so none of them is lost).
pub fn unsigned_integer(content: &[u8]) -> Result<u32, DerError> {
	match content {
		[] => return Err(DerError),
		[first, ..] if first & 0x80 != 0 => return Err(DerError),
		[0x00, second, ..] if second & 0x80 == 0 => return Err(DerError),
		_ => {},
	}
	Ok(content
		.iter()
		.fold(0u32, |value, &byte| value.saturating_mul(256).saturating_add(byte as u32)))
}

/// Seconds since the Unix epoch of a UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or
/// GeneralizedTime (`YYYYMMDDHHMMSSZ`) item, the two forms RFC 5280 allows.
pub fn time(item: &Item<'_>) -> Result<u64, DerError> {
	let (year, rest) = match (item.tag, item.content.len()) {
		(tag::UTC_TIME, 13) => {
			let short = digits(&item.content[..2])?;
			(if short < 50 { 2000 + short } else { 1900 + short }, &item.content[2..])
		},
		(tag::GENERALIZED_TIME, 15) => (digits(&item.content[..4])?, &item.content[4..]),
		_ => return Err(DerError),
	};
	if rest[10] != b'Z' {
		return Err(DerError);
	}
	let month = digits(&rest[0..2])?;
	let day = digits(&rest[2..4])?;
	let hour = digits(&rest[4..6])?;
	let minute = digits(&rest[6..8])?;
	let second = digits(&rest[8..10])?;
	if !(1..=12).contains(&month)
		|| !(1..=31).contains(&day)
		|| hour > 23
		|| minute > 59
		|| second > 60
		|| year < 1970
	{
		return Err(DerError);
	}
	let days = days_from_civil(year, month, day);
	Ok(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn digits(ascii: &[u8]) -> Result<u64, DerError> {
	ascii.iter().try_fold(0u64, |value, &c| {
		if c.is_ascii_digit() {
			Ok(value * 10 + (c - b'0') as u64)
		} else {
			Err(DerError)
		}
	})
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year ≥ 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
	// Counting years from March moves the leap day to the end of the year.
	let year = if month <= 2 { year - 1 } else { year };
	let era = year / 400;
	let year_of_era = year - era * 400;
	let month_from_march = (month + 9) % 12;
	let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
	let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	era * 146_097 + day_of_era - 719_468
}

/// Encodes a DER item (used by the development CA and by tests).
pub fn encode(tag: u8, content: &[u8]) -> alloc::vec::Vec<u8> {
	let mut out = alloc::vec::Vec::with_capacity(content.len() + 6);
	out.push(tag);
	let length = content.len();
	if length < 0x80 {
		out.push(length as u8);
	} else {
		let bytes = (length as u32).to_be_bytes();
		let skip = bytes.iter().take_while(|&&b| b == 0).count();
		out.push(0x80 | (4 - skip) as u8);
		out.extend_from_slice(&bytes[skip..]);
	}
	out.extend_from_slice(content);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	fn item(tag: u8, content: &[u8]) -> Item<'_> {
		Item { tag, content, encoded: content }
	}

	#[test]
	fn times_match_known_epochs() {
		assert_eq!(time(&item(tag::UTC_TIME, b"700101000000Z")), Ok(0));
		// The AWS Nitro root's notBefore and a leap day.
		assert_eq!(time(&item(tag::UTC_TIME, b"191028132805Z")), Ok(1_572_269_285));
		assert_eq!(time(&item(tag::GENERALIZED_TIME, b"20240229000000Z")), Ok(1_709_164_800));
		assert_eq!(time(&item(tag::UTC_TIME, b"19102813280Z")), Err(DerError));
		assert_eq!(time(&item(tag::UTC_TIME, b"191328132805Z")), Err(DerError));
	}

	#[test]
	fn booleans_and_unsigned_integers_are_strict_der() {
		assert_eq!(boolean(&[0xff]), Ok(true));
		assert_eq!(boolean(&[0x00]), Ok(false));
		for content in [&[][..], &[0x01], &[0xff, 0xff]] {
			assert_eq!(boolean(content), Err(DerError), "{content:02x?}");
		}
		assert_eq!(unsigned_integer(&[0x00]), Ok(0));
		assert_eq!(unsigned_integer(&[0x7f]), Ok(127));
		assert_eq!(unsigned_integer(&[0x00, 0x80]), Ok(128));
		assert_eq!(unsigned_integer(&[0x01, 0x00, 0x00, 0x00, 0x00]), Ok(u32::MAX));
		assert_eq!(unsigned_integer(&[0x7f; 40]), Ok(u32::MAX));
		for content in [&[][..], &[0x80], &[0xff], &[0x00, 0x7f], &[0x00, 0x00]] {
			assert_eq!(unsigned_integer(content), Err(DerError), "{content:02x?}");
		}
	}

	#[test]
	fn long_lengths_round_trip_and_truncation_fails() {
		let content = [9u8; 300];
		let encoded = encode(tag::OCTET_STRING, &content);
		let mut reader = Reader::new(&encoded);
		let read = reader.expect(tag::OCTET_STRING).unwrap();
		assert_eq!(read.content, &content[..]);
		assert!(reader.is_empty());
		for end in 0..encoded.len() {
			assert!(Reader::new(&encoded[..end]).any().is_err());
		}
	}
}

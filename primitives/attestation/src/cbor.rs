//! The part of CBOR (RFC 8949) that COSE_Sign1 and Nitro attestation documents use.
//!
//! The reader borrows from the input and never allocates; every read checks the remaining
//! length first, so truncated input is [`CborError::Truncated`] and never a panic. Nesting
//! is limited by [`MAX_DEPTH`] when values are skipped, so hostile input cannot recurse
//! deeply. Indefinite-length maps and arrays are accepted (the NSM encodes the document
//! as an indefinite map); indefinite byte and text strings are not (neither format uses
//! them).

/// Deepest nesting [`Reader::skip`] follows.
pub const MAX_DEPTH: u32 = 16;

/// Why CBOR could not be read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CborError {
	/// The input ended inside an item.
	Truncated,
	/// An item is not what the format requires here, or is not well-formed CBOR.
	Unexpected,
}

/// A CBOR data item's head: its major type and argument.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Head {
	Unsigned(u64),
	Negative(u64),
	Bytes(u64),
	Text(u64),
	/// `None`: indefinite length.
	Array(Option<u64>),
	Map(Option<u64>),
	Tag(u64),
	/// Simple values and floats: the additional-information value and its argument.
	Simple(u8, u64),
	Break,
}

/// Reads CBOR items one after the other from a byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
	data: &'a [u8],
	position: usize,
}

impl<'a> Reader<'a> {
	/// A reader at the start of `data`.
	pub fn new(data: &'a [u8]) -> Self {
		Reader { data, position: 0 }
	}

	/// Whether every byte was read.
	pub fn is_empty(&self) -> bool {
		self.position == self.data.len()
	}

	fn take(&mut self, count: u64) -> Result<&'a [u8], CborError> {
		let count = usize::try_from(count).map_err(|_| CborError::Truncated)?;
		let end = self.position.checked_add(count).ok_or(CborError::Truncated)?;
		let bytes = self.data.get(self.position..end).ok_or(CborError::Truncated)?;
		self.position = end;
		Ok(bytes)
	}

	fn byte(&mut self) -> Result<u8, CborError> {
		Ok(self.take(1)?[0])
	}

	fn head(&mut self) -> Result<Head, CborError> {
		let initial = self.byte()?;
		let major = initial >> 5;
		let info = initial & 0x1f;
		let argument = match info {
			0..=23 => Some(info as u64),
			24 => Some(self.byte()? as u64),
			25 => Some(u16::from_be_bytes(self.array()?) as u64),
			26 => Some(u32::from_be_bytes(self.array()?) as u64),
			27 => Some(u64::from_be_bytes(self.array()?)),
			31 => None,
			_ => return Err(CborError::Unexpected),
		};
		Ok(match (major, argument) {
			(0, Some(value)) => Head::Unsigned(value),
			(1, Some(value)) => Head::Negative(value),
			(2, Some(length)) => Head::Bytes(length),
			(3, Some(length)) => Head::Text(length),
			(4, length) => Head::Array(length),
			(5, length) => Head::Map(length),
			(6, Some(tag)) => Head::Tag(tag),
			(7, Some(value)) => Head::Simple(info, value),
			(7, None) => Head::Break,
			_ => return Err(CborError::Unexpected),
		})
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N], CborError> {
		let mut out = [0u8; N];
		out.copy_from_slice(self.take(N as u64)?);
		Ok(out)
	}

	fn peek_head(&self) -> Result<Head, CborError> {
		self.clone().head()
	}

	/// Reads an unsigned integer.
	pub fn unsigned(&mut self) -> Result<u64, CborError> {
		match self.head()? {
			Head::Unsigned(value) => Ok(value),
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads an integer that fits an `i64`.
	pub fn integer(&mut self) -> Result<i64, CborError> {
		match self.head()? {
			Head::Unsigned(value) => i64::try_from(value).map_err(|_| CborError::Unexpected),
			Head::Negative(value) => {
				i64::try_from(value).map(|v| -1 - v).map_err(|_| CborError::Unexpected)
			},
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads a byte string.
	pub fn bytes(&mut self) -> Result<&'a [u8], CborError> {
		match self.head()? {
			Head::Bytes(length) => self.take(length),
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads a text string (UTF-8 checked).
	pub fn text(&mut self) -> Result<&'a str, CborError> {
		match self.head()? {
			Head::Text(length) => {
				core::str::from_utf8(self.take(length)?).map_err(|_| CborError::Unexpected)
			},
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads a byte string, or `None` for `null`.
	pub fn optional_bytes(&mut self) -> Result<Option<&'a [u8]>, CborError> {
		if self.is_null()? {
			self.head()?;
			return Ok(None);
		}
		self.bytes().map(Some)
	}

	/// Whether the next item is `null`.
	fn is_null(&self) -> Result<bool, CborError> {
		Ok(matches!(self.peek_head()?, Head::Simple(22, _)))
	}

	/// Reads an array's head: its length, `None` if indefinite (end it with
	/// [`Reader::at_break`]).
	pub fn array_header(&mut self) -> Result<Option<u64>, CborError> {
		match self.head()? {
			Head::Array(length) => Ok(length),
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads a map's head: its number of pairs, `None` if indefinite.
	pub fn map_header(&mut self) -> Result<Option<u64>, CborError> {
		match self.head()? {
			Head::Map(length) => Ok(length),
			_ => Err(CborError::Unexpected),
		}
	}

	/// Reads a tag if one comes next.
	pub fn optional_tag(&mut self) -> Result<Option<u64>, CborError> {
		match self.peek_head()? {
			Head::Tag(tag) => {
				self.head()?;
				Ok(Some(tag))
			},
			_ => Ok(None),
		}
	}

	/// Consumes the "break" that ends an indefinite item, if it comes next.
	pub fn at_break(&mut self) -> Result<bool, CborError> {
		if self.peek_head()? == Head::Break {
			self.head()?;
			return Ok(true);
		}
		Ok(false)
	}

	/// Skips one whole item, nested items included.
	pub fn skip(&mut self) -> Result<(), CborError> {
		self.skip_nested(0)
	}

	fn skip_nested(&mut self, depth: u32) -> Result<(), CborError> {
		if depth > MAX_DEPTH {
			return Err(CborError::Unexpected);
		}
		match self.head()? {
			Head::Unsigned(_) | Head::Negative(_) | Head::Simple(..) => Ok(()),
			Head::Bytes(length) | Head::Text(length) => self.take(length).map(|_| ()),
			Head::Tag(_) => self.skip_nested(depth + 1),
			Head::Array(length) => self.skip_items(length, 1, depth),
			Head::Map(length) => self.skip_items(length, 2, depth),
			Head::Break => Err(CborError::Unexpected),
		}
	}

	fn skip_items(
		&mut self,
		length: Option<u64>,
		per_entry: u64,
		depth: u32,
	) -> Result<(), CborError> {
		match length {
			Some(entries) => {
				// Each item takes at least one byte: a count beyond the input is truncated.
				if entries > self.data.len() as u64 {
					return Err(CborError::Truncated);
				}
				for _ in 0..entries * per_entry {
					self.skip_nested(depth + 1)?;
				}
				Ok(())
			},
			None => {
				while !self.at_break()? {
					for _ in 0..per_entry {
						self.skip_nested(depth + 1)?;
					}
				}
				Ok(())
			},
		}
	}
}

/// Writes CBOR items (definite lengths, shortest heads), as COSE requires for the data a
/// signature covers.
#[derive(Default, Clone, Debug)]
pub struct Writer {
	out: alloc::vec::Vec<u8>,
}

impl Writer {
	/// An empty writer.
	pub fn new() -> Self {
		Self::default()
	}

	/// The bytes written.
	pub fn finish(self) -> alloc::vec::Vec<u8> {
		self.out
	}

	fn head(&mut self, major: u8, argument: u64) -> &mut Self {
		let major = major << 5;
		match argument {
			0..=23 => self.out.push(major | argument as u8),
			24..=0xff => self.out.extend_from_slice(&[major | 24, argument as u8]),
			0x100..=0xffff => {
				self.out.push(major | 25);
				self.out.extend_from_slice(&(argument as u16).to_be_bytes());
			},
			0x1_0000..=0xffff_ffff => {
				self.out.push(major | 26);
				self.out.extend_from_slice(&(argument as u32).to_be_bytes());
			},
			_ => {
				self.out.push(major | 27);
				self.out.extend_from_slice(&argument.to_be_bytes());
			},
		}
		self
	}

	/// An unsigned integer.
	pub fn unsigned(&mut self, value: u64) -> &mut Self {
		self.head(0, value)
	}

	/// A signed integer.
	pub fn integer(&mut self, value: i64) -> &mut Self {
		if value < 0 {
			self.head(1, (-1 - value) as u64)
		} else {
			self.head(0, value as u64)
		}
	}

	/// A byte string.
	pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
		self.head(2, value.len() as u64);
		self.out.extend_from_slice(value);
		self
	}

	/// A text string.
	pub fn text(&mut self, value: &str) -> &mut Self {
		self.head(3, value.len() as u64);
		self.out.extend_from_slice(value.as_bytes());
		self
	}

	/// `null`.
	pub fn null(&mut self) -> &mut Self {
		self.out.push(0xf6);
		self
	}

	/// The head of an array of `length` items (write them next).
	pub fn array(&mut self, length: u64) -> &mut Self {
		self.head(4, length)
	}

	/// The head of a map of `pairs` key/value pairs (write them next).
	pub fn map(&mut self, pairs: u64) -> &mut Self {
		self.head(5, pairs)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn writer_and_reader_agree() {
		let mut writer = Writer::new();
		writer
			.array(5)
			.unsigned(500)
			.integer(-35)
			.bytes(b"abc")
			.text("x")
			.map(1)
			.unsigned(1)
			.null();
		let bytes = writer.finish();
		let mut reader = Reader::new(&bytes);
		assert_eq!(reader.array_header(), Ok(Some(5)));
		assert_eq!(reader.unsigned(), Ok(500));
		assert_eq!(reader.integer(), Ok(-35));
		assert_eq!(reader.bytes(), Ok(&b"abc"[..]));
		assert_eq!(reader.text(), Ok("x"));
		assert_eq!(reader.map_header(), Ok(Some(1)));
		assert_eq!(reader.unsigned(), Ok(1));
		assert_eq!(reader.optional_bytes(), Ok(None));
		assert!(reader.is_empty());
	}

	#[test]
	fn every_truncation_is_an_error() {
		let mut writer = Writer::new();
		writer.array(2).bytes(&[7; 300]).map(1).text("key").unsigned(u64::MAX);
		let bytes = writer.finish();
		assert_eq!(Reader::new(&bytes).skip(), Ok(()));
		for end in 0..bytes.len() {
			assert_eq!(
				Reader::new(&bytes[..end]).skip(),
				Err(CborError::Truncated),
				"cut at {end}"
			);
		}
	}

	#[test]
	fn indefinite_maps_and_deep_nesting() {
		// {_ "a": 1} then 40 nested arrays.
		let indefinite = [0xbf, 0x61, b'a', 0x01, 0xff];
		assert_eq!(Reader::new(&indefinite).skip(), Ok(()));
		let deep = [0x81u8; 40];
		assert_eq!(Reader::new(&deep).skip(), Err(CborError::Unexpected));
		// A huge declared count fails fast instead of looping.
		let huge = [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
		assert_eq!(Reader::new(&huge).skip(), Err(CborError::Truncated));
		// A lone break, reserved additional information.
		assert_eq!(Reader::new(&[0xff]).skip(), Err(CborError::Unexpected));
		assert_eq!(Reader::new(&[0x1c]).skip(), Err(CborError::Unexpected));
	}
}

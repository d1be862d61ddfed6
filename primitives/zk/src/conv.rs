//! A 2-D convolution as the matrix it is: every output element is a weighted sum of input
//! elements, so `ConvInteger` on a `[C, H, W]` row becomes a `MatMul` from `C·H·W` inputs to
//! `M·OH·OW` outputs whose matrix is mostly zeros (which cost the circuit nothing: the
//! lowering skips zero weights).

/// A convolution's geometry: `[channels, height, width]` in, kernels `[M, C, kh, kw]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
	pub channels: usize,
	pub height: usize,
	pub width: usize,
	pub filters: usize,
	pub kernel: [usize; 2],
	pub strides: [usize; 2],
	pub dilations: [usize; 2],
	/// Top, left, bottom, right (ONNX order: begins then ends).
	pub pads: [usize; 4],
}

impl Geometry {
	/// `[M, OH, OW]`, or `None` if the kernel does not fit the padded input.
	pub fn output_shape(&self) -> Option<[usize; 3]> {
		let extent = |size: usize, pad: usize, kernel: usize, dilation: usize, stride: usize| {
			let padded = size + pad;
			let span = dilation * (kernel - 1) + 1;
			(padded >= span && stride > 0).then(|| (padded - span) / stride + 1)
		};
		let oh = extent(
			self.height,
			self.pads[0] + self.pads[2],
			self.kernel[0],
			self.dilations[0],
			self.strides[0],
		)?;
		let ow = extent(
			self.width,
			self.pads[1] + self.pads[3],
			self.kernel[1],
			self.dilations[1],
			self.strides[1],
		)?;
		Some([self.filters, oh, ow])
	}

	/// The row-major `[C·H·W, M·OH·OW]` matrix of the convolution with `kernels`
	/// (`[M, C, kh, kw]`, row-major), as [`crate::program::Op::MatMul`] takes it.
	pub fn matrix(&self, kernels: &[i64]) -> Option<Vec<i64>> {
		let [filters, oh, ow] = self.output_shape()?;
		let inputs = self.channels * self.height * self.width;
		let outputs = filters * oh * ow;
		let [kh, kw] = self.kernel;
		if kernels.len() != filters * self.channels * kh * kw {
			return None;
		}
		let mut matrix = vec![0i64; inputs.checked_mul(outputs)?];
		for m in 0..filters {
			for y in 0..oh {
				for x in 0..ow {
					let column = (m * oh + y) * ow + x;
					for c in 0..self.channels {
						for i in 0..kh {
							for j in 0..kw {
								// Input coordinates in the unpadded image; padding reads zeros.
								let row = (y * self.strides[0] + i * self.dilations[0])
									.checked_sub(self.pads[0]);
								let col = (x * self.strides[1] + j * self.dilations[1])
									.checked_sub(self.pads[1]);
								let (Some(row), Some(col)) = (row, col) else { continue };
								if row >= self.height || col >= self.width {
									continue;
								}
								let input = (c * self.height + row) * self.width + col;
								let weight = kernels[((m * self.channels + c) * kh + i) * kw + j];
								matrix[input * outputs + column] += weight;
							}
						}
					}
				}
			}
		}
		Some(matrix)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Direct convolution, the definition the matrix must agree with.
	fn convolve(g: &Geometry, image: &[i64], kernels: &[i64]) -> Vec<i64> {
		let [filters, oh, ow] = g.output_shape().unwrap();
		let mut out = vec![0; filters * oh * ow];
		for m in 0..filters {
			for y in 0..oh {
				for x in 0..ow {
					let mut sum = 0;
					for c in 0..g.channels {
						for i in 0..g.kernel[0] {
							for j in 0..g.kernel[1] {
								let row = (y * g.strides[0] + i * g.dilations[0]) as i64
									- g.pads[0] as i64;
								let col = (x * g.strides[1] + j * g.dilations[1]) as i64
									- g.pads[1] as i64;
								if row < 0
									|| col < 0 || row >= g.height as i64
									|| col >= g.width as i64
								{
									continue;
								}
								let pixel =
									image[(c * g.height + row as usize) * g.width + col as usize];
								sum += pixel
									* kernels[((m * g.channels + c) * g.kernel[0] + i)
										* g.kernel[1] + j];
							}
						}
					}
					out[(m * oh + y) * ow + x] = sum;
				}
			}
		}
		out
	}

	#[test]
	fn the_matrix_computes_the_convolution() {
		let geometries = [
			Geometry {
				channels: 1,
				height: 5,
				width: 5,
				filters: 2,
				kernel: [3, 3],
				strides: [1, 1],
				dilations: [1, 1],
				pads: [0; 4],
			},
			Geometry {
				channels: 2,
				height: 6,
				width: 5,
				filters: 3,
				kernel: [3, 2],
				strides: [2, 1],
				dilations: [1, 2],
				pads: [1, 0, 2, 1],
			},
		];
		for g in geometries {
			let inputs = g.channels * g.height * g.width;
			let image: Vec<i64> = (0..inputs as i64).map(|v| (v * 37) % 23 - 11).collect();
			let kernels: Vec<i64> = (0..(g.filters * g.channels * g.kernel[0] * g.kernel[1])
				as i64)
				.map(|v| (v * 13) % 9 - 4)
				.collect();
			let matrix = g.matrix(&kernels).unwrap();
			let outputs = matrix.len() / inputs;
			let product: Vec<i64> = (0..outputs)
				.map(|o| (0..inputs).map(|i| image[i] * matrix[i * outputs + o]).sum())
				.collect();
			assert_eq!(product, convolve(&g, &image, &kernels), "{g:?}");
		}
	}

	#[test]
	fn a_kernel_larger_than_the_padded_input_has_no_output() {
		let g = Geometry {
			channels: 1,
			height: 2,
			width: 2,
			filters: 1,
			kernel: [3, 3],
			strides: [1, 1],
			dilations: [1, 1],
			pads: [0; 4],
		};
		assert_eq!(g.output_shape(), None);
	}
}

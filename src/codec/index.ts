/** The value codec: SQLite values to PostgreSQL text for each target type, binary COPY, comparison. */
export { isValidUtf8 } from './bytes.js';
export { CodecError, renderValue } from './codec-error.js';
export { sameValue } from './compare.js';
export { type BinaryColumn, BinaryCopyOut, binaryRowEncoder } from './copy-binary.js';
export { type Decoder, decoderFor } from './decode.js';
export { encoderFor } from './encode.js';
export type { Encoder } from './encoder.js';
export { renderLiteral } from './literal.js';

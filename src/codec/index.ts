/** The value codec: SQLite values to PostgreSQL text for each target type, binary COPY, comparison. */

export { type ClassVerdict, classVerdicts, verdictText } from './accepts.js';
export { isValidText, isValidUtf8 } from './bytes.js';
export { CodecError, renderValue } from './codec-error.js';
export { sameValue } from './compare.js';
export { type BinaryColumn, binaryRowEncoder } from './copy-binary.js';
export { BinaryCopyOut } from './copy-binary-out.js';
export { type Decoder, decoderFor } from './decode.js';
export { encoderFor } from './encode.js';
export type { CodecColumn, Encoder } from './encoder.js';
export { renderLiteral } from './literal.js';

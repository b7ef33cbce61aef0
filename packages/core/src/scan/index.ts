// Finding known values in text, in every encoding Latchkey looks for (`agent scan`, `agent exec --mask`).
export * from './encodings.js';
export * from './matcher.js';
export * from './book.js';

import { LasagneError } from '@lasagne-ts/core';

/** A parameter file that cannot be read or written: corrupt, truncated, or an unsupported format. */
export class FormatError extends LasagneError {}

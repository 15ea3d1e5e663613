/** A checkpoint that cannot be read or does not fit the run; the message is one line naming the file. */
export class CheckpointError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

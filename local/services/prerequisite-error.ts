/** Something the local runtime needs is missing or busy; its message is one line that says what to do. */
export class PrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrerequisiteError';
  }
}

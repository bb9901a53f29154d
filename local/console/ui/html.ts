import { html } from 'htm/preact';

/** JSX-like templates without a build step of their own: htm turns tagged templates into Preact calls. */
export { html };

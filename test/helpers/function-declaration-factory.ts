import { loadEnvironment } from '../../lib/config/environments.ts';
import { functionDeclarations, type FunctionDeclaration } from '../../lib/config/function-declarations.ts';

/** A function declaration for construct tests: dev's API function, with the fields a test sets. */
export function functionDeclarationFactory(overrides: Partial<FunctionDeclaration> = {}): FunctionDeclaration {
  return { ...functionDeclarations(loadEnvironment('dev')).api, ...overrides };
}

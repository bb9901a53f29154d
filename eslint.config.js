import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out*/', '.local/', 'bench/report/', 'coverage/', 'clients/typescript/src/openapi-types.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Destructuring a field away to drop it from a copy is the idiom used for job transitions.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Synthesized CloudFormation is untyped JSON; the infra tests read it as such.
    files: ['test/infra/**/*.ts', 'test/helpers/iam-policy-check.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Lambda handlers and the domain never import deploy-time code.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '**/local/**', '**/lib/constructs/**'] },
      ],
    },
  },
  {
    // The job domain is pure: no AWS SDK, no Redis, no adapters.
    files: ['functions/jobs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-sdk/*', 'ioredis', '**/adapters/**'] },
      ],
    },
  },
  {
    // Constructs never import the CLI or the local runtime.
    files: ['lib/**/*.ts', 'bin/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/local/**'] }] },
  },
);

import { describe, expect, it } from 'vitest';
import { UnknownJobTypeError, ValidationError, type FieldProblem } from '../../../functions/jobs/domain/errors.ts';
import { parseSubmission, submissionHash, validateIdempotencyKey } from '../../../functions/jobs/domain/submission.ts';

/** The field problems a call throws with, or fails the test when it does not throw a ValidationError. */
function problemsOf(call: () => unknown): readonly FieldProblem[] {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details ?? [];
  }
  throw new Error('expected a ValidationError');
}

const pathsOf = (problems: readonly FieldProblem[]): string[] => problems.map((problem) => problem.path).sort();

const validEmail = { to: 'someone@example.com', subject: 'Hello', body: 'Hi there' };

describe('parseSubmission', () => {
  it('accepts a valid submission and defaults delaySeconds to 0', () => {
    // Act
    const submission = parseSubmission({ type: 'echo', payload: { message: 'hi' } });

    // Assess
    expect(submission).toMatchObject({ type: 'echo', payload: { message: 'hi' }, delaySeconds: 0 });
    expect(submission.definition.name).toBe('echo');
    expect(submission).not.toHaveProperty('maxAttempts');
  });

  it('lists every failing field of the body at once', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: '', payload: 'text', maxAttempts: 0, delaySeconds: 31_536_001 }));

    // Assess
    expect(pathsOf(problems)).toEqual(['delaySeconds', 'maxAttempts', 'payload', 'type']);
    for (const problem of problems) expect(problem.message).not.toBe('');
  });

  it('lists every failing field of the payload at once, with its path', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'email', payload: { to: 'not-an-address', subject: '' } }));

    // Assess
    expect(pathsOf(problems)).toEqual(['payload.body', 'payload.subject', 'payload.to']);
  });

  it("lists the body's and the payload's failing fields together, with readable messages", () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'email', payload: { to: 'not-an-address' }, maxAttempts: 0 }));

    // Assess
    expect(pathsOf(problems)).toEqual(['maxAttempts', 'payload.body', 'payload.subject', 'payload.to']);
    expect(problems.find((problem) => problem.path === 'payload.to')?.message).toMatch(/email/i);
    expect(problems.every((problem) => problem.message !== 'Invalid input')).toBe(true);
  });

  it.each([
    ['a __proto__ key, which any copy would drop', '{"type":"echo","payload":{"a":{"__proto__":{"x":1}}}}', 'payload.a.__proto__'],
    ['a number beyond ±1.8e308, which would be kept as null', '{"type":"echo","payload":{"n":[1,1e400]}}', 'payload.n.1'],
    [
      'nesting past the limit, which would overflow the stack when stored',
      `{"type":"echo","payload":${'{"a":'.repeat(101)}1${'}'.repeat(101)}}`,
      'payload' + '.a'.repeat(100),
    ],
  ])('rejects a payload with %s', (_, body, path) => {
    // Act
    const problems = problemsOf(() => parseSubmission(JSON.parse(body)));

    // Assess
    expect(pathsOf(problems)).toEqual([path]);
  });

  it('accepts a payload nested exactly to the limit', () => {
    // Prepare
    const body = `{"type":"echo","payload":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`;

    // Act
    const submission = parseSubmission(JSON.parse(body));

    // Assess
    expect(submission.type).toBe('echo');
  });

  it('names an unknown type among other failing fields', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'teleport', payload: {}, delaySeconds: -1 }));

    // Assess
    expect(pathsOf(problems)).toEqual(['delaySeconds', 'type']);
  });

  it('says the payload does not match its type', () => {
    // Act
    const parse = () => parseSubmission({ type: 'sleep', payload: {} });

    // Assess
    expect(parse).toThrow("The payload does not match the 'sleep' job type");
  });

  it.each([
    ['a body that is not an object', 'text'],
    ['a null body', null],
    ['an array body', [{ type: 'echo', payload: {} }]],
  ])('rejects %s', (_, body) => {
    // Act
    const problems = problemsOf(() => parseSubmission(body));

    // Assess
    expect(problems).toEqual([{ path: '(body)', message: expect.any(String) }]);
  });

  it('rejects unknown top-level fields and names them', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'echo', payload: {}, urgency: 1, queue: 'fast' }));

    // Assess
    expect(problems).toEqual([{ path: '(body)', message: 'unknown field(s): urgency, queue' }]);
  });

  it('takes a priority of high, normal or low, keeps none for normal, and names the levels for any other', () => {
    expect(parseSubmission({ type: 'echo', payload: {}, priority: 'high' }).priority).toBe('high');
    expect(parseSubmission({ type: 'echo', payload: {}, priority: 'low' }).priority).toBe('low');
    expect(parseSubmission({ type: 'echo', payload: {}, priority: 'normal' }).priority).toBeUndefined();
    expect(problemsOf(() => parseSubmission({ type: 'echo', payload: {}, priority: 'urgent' }))).toEqual([
      { path: 'priority', message: expect.stringMatching(/"high"\|"normal"\|"low"/) },
    ]);
  });

  it('rejects a missing type and payload', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({}));

    // Assess
    expect(pathsOf(problems)).toEqual(['payload', 'type']);
  });

  it('rejects a payload that is an array', () => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'echo', payload: [1, 2] }));

    // Assess
    expect(pathsOf(problems)).toEqual(['payload']);
  });

  it('answers UNKNOWN_JOB_TYPE for an unknown type and lists the known ones', () => {
    // Act
    const parse = () => parseSubmission({ type: 'transcode', payload: {} });

    // Assess
    expect(parse).toThrow(UnknownJobTypeError);
    expect(parse).toThrow("Unknown job type 'transcode'; known types: echo, sleep, email");
  });

  it.each([
    ['echo', { anything: [1, { nested: true }] }],
    ['echo', {}],
    ['sleep', { ms: 0 }],
    ['sleep', { ms: 20_000 }],
    ['flaky', { failTimes: 0 }],
    ['flaky', { failTimes: 100 }],
    ['email', validEmail],
  ])('accepts a valid %s payload %j', (type, payload) => {
    // Act
    const submission = parseSubmission({ type, payload }, { drillJobTypes: true });

    // Assess
    expect(submission.payload).toEqual(payload);
  });

  it.each([
    ['sleep', {}, ['payload.ms']],
    ['sleep', { ms: -1 }, ['payload.ms']],
    ['sleep', { ms: 20_001 }, ['payload.ms']],
    ['sleep', { ms: 1.5 }, ['payload.ms']],
    ['sleep', { ms: '100' }, ['payload.ms']],
    ['flaky', { failTimes: -1 }, ['payload.failTimes']],
    ['flaky', { failTimes: 101 }, ['payload.failTimes']],
    ['email', { ...validEmail, to: 'nobody' }, ['payload.to']],
    ['email', { ...validEmail, subject: '' }, ['payload.subject']],
    ['email', { ...validEmail, body: '' }, ['payload.body']],
    ['email', { to: 'someone@example.com' }, ['payload.body', 'payload.subject']],
  ])('rejects the %s payload %j at %j', (type, payload, paths) => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type, payload }, { drillJobTypes: true }));

    // Assess
    expect(pathsOf(problems)).toEqual(paths);
  });

  it.each([1, 5, 10])('accepts maxAttempts %i', (maxAttempts) => {
    // Act
    const submission = parseSubmission({ type: 'echo', payload: {}, maxAttempts });

    // Assess
    expect(submission.maxAttempts).toBe(maxAttempts);
  });

  it.each([0, 11, 2.5, -1, '3'])('rejects maxAttempts %j', (maxAttempts) => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'echo', payload: {}, maxAttempts }));

    // Assess
    expect(pathsOf(problems)).toEqual(['maxAttempts']);
  });

  it.each([0, 1, 900])('accepts delaySeconds %i', (delaySeconds) => {
    // Act
    const submission = parseSubmission({ type: 'echo', payload: {}, delaySeconds });

    // Assess
    expect(submission.delaySeconds).toBe(delaySeconds);
  });

  it.each([-1, 31_536_001, 0.5, '10'])('rejects delaySeconds %j', (delaySeconds) => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'echo', payload: {}, delaySeconds }));

    // Assess
    expect(pathsOf(problems)).toEqual(['delaySeconds']);
  });
});

describe('validateIdempotencyKey', () => {
  it.each(['a', 'order-42', 'A.b_c:d-9', 'x'.repeat(128), '2030-01-01T00:00:00.000Z'])('accepts %j', (key) => {
    // Act
    const validate = () => validateIdempotencyKey(key);

    // Assess
    expect(validate).not.toThrow();
  });

  it.each(['', 'x'.repeat(129), 'has space', 'slash/key', 'plus+key', 'é', 'new\nline'])('rejects %j', (key) => {
    // Act
    const problems = problemsOf(() => validateIdempotencyKey(key));

    // Assess
    expect(pathsOf(problems)).toEqual(['Idempotency-Key']);
  });
});

describe('submissionHash', () => {
  it('is the same for the same body with its keys in another order', () => {
    // Prepare
    const first = parseSubmission({ type: 'email', maxAttempts: 2, payload: { to: 'a@example.com', subject: 's', body: 'b' } });
    const second = parseSubmission({ payload: { body: 'b', subject: 's', to: 'a@example.com' }, maxAttempts: 2, type: 'email' });

    // Act
    const hashes = [submissionHash(first), submissionHash(second)];

    // Assess
    expect(hashes[0]).toBe(hashes[1]);
  });

  it('is the same for nested payload keys in another order', () => {
    // Act
    const first = submissionHash(parseSubmission({ type: 'echo', payload: { a: { x: 1, y: [{ p: 1, q: 2 }] }, b: 2 } }));
    const second = submissionHash(parseSubmission({ type: 'echo', payload: { b: 2, a: { y: [{ q: 2, p: 1 }], x: 1 } } }));

    // Assess
    expect(first).toBe(second);
  });

  it.each([
    ['payload', { type: 'echo', payload: { n: 2 } }],
    ['type', { type: 'sleep', payload: { ms: 1 } }],
    ['maxAttempts', { type: 'echo', payload: { n: 1 }, maxAttempts: 4 }],
    ['delaySeconds', { type: 'echo', payload: { n: 1 }, delaySeconds: 5 }],
  ])('differs when the %s differs', (_, other) => {
    // Prepare
    const base = submissionHash(parseSubmission({ type: 'echo', payload: { n: 1 } }));

    // Act
    const hash = submissionHash(parseSubmission(other));

    // Assess
    expect(hash).not.toBe(base);
  });

  it('differs for array items in another order', () => {
    // Act
    const first = submissionHash(parseSubmission({ type: 'echo', payload: { list: [1, 2] } }));
    const second = submissionHash(parseSubmission({ type: 'echo', payload: { list: [2, 1] } }));

    // Assess
    expect(first).not.toBe(second);
  });
});

describe('parseSubmission of drill job types', () => {
  it.each([
    ['crash', { mode: 'exit' }],
    ['flaky', { failTimes: 1 }],
  ])('refuses %s with UNKNOWN_JOB_TYPE unless the environment allows drill types', (type, payload) => {
    // Act
    const parse = () => parseSubmission({ type, payload });

    // Assess
    expect(parse).toThrow(UnknownJobTypeError);
  });

  it.each([
    ['crash', { mode: 'exit' }],
    ['flaky', { failTimes: 1 }],
  ])('accepts %s where the environment allows drill types', (type, payload) => {
    // Act
    const submission = parseSubmission({ type, payload }, { drillJobTypes: true });

    // Assess
    expect(submission.type).toBe(type);
  });
});

describe('parseSubmission of numbers JSON cannot keep exactly', () => {
  it.each([
    ['a 30-digit id', JSON.parse('123456789012345678901234567890') as number, 'payload.id'],
    ['2^53', 2 ** 53, 'payload.id'],
    ['-(2^53)', -(2 ** 53), 'payload.id'],
  ])('refuses %s with VALIDATION_FAILED naming the field', (_, id, path) => {
    // Act
    const problems = problemsOf(() => parseSubmission({ type: 'echo', payload: { id } }));

    // Assess
    expect(pathsOf(problems)).toEqual([path]);
    expect(problems[0]?.message).toContain('2^53');
  });

  it.each([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.1, 1.5e-300])('keeps %d, which JSON round-trips exactly', (n) => {
    // Act
    const submission = parseSubmission({ type: 'echo', payload: { n } });

    // Assess
    expect(submission.payload).toEqual({ n });
  });
});

describe('parseSubmission of callbackUrl', () => {
  const echo = (callbackUrl: unknown) => ({ type: 'echo', payload: {}, callbackUrl });

  it('keeps an https callbackUrl, and any http(s) one where the environment allows plain http', () => {
    // Act
    const secure = parseSubmission(echo('https://hooks.example.com/jobs?tenant=7'));
    const local = parseSubmission(echo('http://127.0.0.1:4000/hook'), { drillJobTypes: false, httpCallbackUrls: true });

    // Assess
    expect(secure.callbackUrl).toBe('https://hooks.example.com/jobs?tenant=7');
    expect(local.callbackUrl).toBe('http://127.0.0.1:4000/hook');
  });

  it.each(['not a url', '/relative/path', 'ftp://example.com/hook', 'mailto:ops@example.com', 42])(
    'rejects %j, naming the field',
    (value) => {
      // Act
      const problems = problemsOf(() => parseSubmission(echo(value), { drillJobTypes: false, httpCallbackUrls: true }));

      // Assess
      expect(pathsOf(problems)).toEqual(['callbackUrl']);
    },
  );

  it('rejects plain http where the environment delivers over TLS only', () => {
    // Act
    const problems = problemsOf(() => parseSubmission(echo('http://hooks.example.com/jobs')));

    // Assess
    expect(problems).toEqual([{ path: 'callbackUrl', message: expect.stringMatching(/https/) as unknown as string }]);
  });

  it('rejects a callbackUrl longer than 2,048 characters', () => {
    // Act
    const problems = problemsOf(() => parseSubmission(echo(`https://example.com/${'a'.repeat(2030)}`)));

    // Assess
    expect(pathsOf(problems)).toEqual(['callbackUrl']);
  });

  it('makes a callbackUrl part of the idempotency fingerprint, and leaves the fingerprint of a job without one as it was', () => {
    // Prepare
    const plain = parseSubmission({ type: 'echo', payload: {} });
    const hooked = parseSubmission(echo('https://example.com/a'));

    // Assess
    expect(submissionHash(hooked)).not.toBe(submissionHash(plain));
    expect(submissionHash(plain)).toBe(submissionHash(parseSubmission({ type: 'echo', payload: {} })));
  });
});

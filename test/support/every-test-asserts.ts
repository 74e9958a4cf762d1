// A test that makes no assertion proves nothing, so it fails. Assertions made in its hooks and in
// helpers count; expect.hasAssertions() in a table test says the same for one test.
afterEach(() => {
  const { assertionCalls, currentTestName } = expect.getState();
  if (assertionCalls === 0) throw new Error(`"${currentTestName}" made no assertion`);
});

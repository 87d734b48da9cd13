// node-red-node-test-helper ships no types; the tests use it loosely.
declare module 'node-red-node-test-helper' {
  const helper: any;
  export default helper;
}

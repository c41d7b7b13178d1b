// Text files imported whole (vite's ?raw), e.g. the generated docs/api-reference.md.
declare module "*?raw" {
  const text: string;
  export default text;
}

export function App() {
  return <div class="qun">Qun</div>;
}

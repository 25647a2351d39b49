// plotly.js's cartesian bundle ships no types; the page calls newPlot only.
declare module 'plotly.js-cartesian-dist-min' {
  const Plotly: {
    newPlot(root: HTMLElement, data: unknown[], layout?: unknown, config?: Record<string, unknown>): Promise<unknown>;
  };
  export default Plotly;
}

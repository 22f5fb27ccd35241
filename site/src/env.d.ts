/// <reference types="astro/client" />

/** A script bundled to one self-contained string by build-ssr.mjs's `?iife` plugin. */
declare module '*?iife' {
  const script: string;
  export default script;
}

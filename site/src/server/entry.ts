/**
 * The server-side entry of the site build (`npm run build:site`): the components the Nest process renders
 * with the Astro Container API, the shared stylesheet, and the report's dependency-free script as a string.
 */
export { default as AdminPage } from '../components/AdminPage.astro';
export { default as AppPage } from '../components/AppPage.astro';
export { default as ArenaPage } from '../components/ArenaPage.astro';
export { default as CaseGallery } from '../components/CaseGallery.astro';
export { default as LoginPage } from '../components/LoginPage.astro';
export { default as ReportPage } from '../components/ReportPage.astro';
export { default as ResultCell } from '../components/ResultCell.astro';
export { default as RunPanel } from '../components/RunPanel.astro';
export { default as RunsList } from '../components/RunsList.astro';
export { default as RunSummary } from '../components/RunSummary.astro';
export { default as styles } from '../styles/swapbench.css?inline';
export { default as gridScript } from '../client/report.ts?iife';

import { escapeHtml } from '@microshop/kit';
/** What a browser shows instead of problem+json when a service cannot answer. */
export function unavailablePage(status: number, title: string, detail: string, requestId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${escapeHtml(title)} - Microshop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1d2330}
main{max-width:32rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001}h1{font-size:1.4rem;margin:0 0 .5rem}
p{margin:.5rem 0}small{color:#667}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p>Please try again in a moment.</p>
<p><a href="/">Back to the shop</a></p><small>Status ${status} &middot; request ${escapeHtml(requestId)}</small></main></body></html>`;
}

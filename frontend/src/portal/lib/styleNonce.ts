// The page's style nonce (index.html; the server's Content-Security-Policy allows no other inline style).
// Ant Design's CSS-in-JS takes it from ConfigProvider's csp; a few helpers underneath (rc-util's scrollbar
// measurement, which tables use) add a <style> with no way to pass one, so every <style> this page's own
// scripts insert without a nonce gets it here. Markup injected as HTML never runs through these calls.
export const styleNonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

function stamp<T extends Node>(node: T): T {
  if (node instanceof HTMLStyleElement && !node.nonce && styleNonce) node.nonce = styleNonce;
  return node;
}

const append = Node.prototype.appendChild;
Node.prototype.appendChild = function <T extends Node>(this: Node, node: T): T {
  return append.call(this, stamp(node)) as T;
};
const insert = Node.prototype.insertBefore;
Node.prototype.insertBefore = function <T extends Node>(this: Node, node: T, child: Node | null): T {
  return insert.call(this, stamp(node), child) as T;
};

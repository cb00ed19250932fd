import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MINIPROGRAM, type Node } from './login-page.ts';


/**
 * A rendered page as a standalone HTML document that Chromium can draw: the tree simulate rendered
 * (WeChat's built-in tags with the page's attributes), the page's own WXSS with rpx as CSS pixels
 * on a 750 px wide screen (750rpx is the screen's width by definition), WeChat's default look of
 * the built-in components, and WeChat's navigation bar with the page's title on top.
 */
export function screenHtml(tree: Node, title: string, pictures: Record<string, string>, name = 'login'): string {
  const PAGE = pathToFileURL(`${MINIPROGRAM}pages/${name}/${name}`);
  const wxss = readFileSync(`${MINIPROGRAM}pages/${name}/${name}.wxss`, 'utf8').replace(/(\d*\.?\d+)rpx/g, '$1px');
  // The page names its own pictures relative to itself (the folder can move into another mini-program).
  const picture = (src: string) => pictures[src] ?? (src.startsWith('../') ? dataUri(fileURLToPath(new URL(src, PAGE))) : src);
  return `<!doctype html><html><head><meta charset="utf-8"><style>${BUILT_INS}${wxss}</style></head><body>`
    + `<div class="wx-status"><span>9:41</span></div><div class="wx-nav"><span>${escape(title)}</span><i class="wx-capsule"><b>•••</b><b>◉</b></i></div>`
    + `${toHtml(tree, picture)}</body></html>`;
}

/** Attributes WeChat's components style themselves by; event bindings and data are left out. */
const KEPT = new Set(['class', 'style', 'type', 'disabled', 'loading', 'mode', 'open-type', 'form-type']);

function toHtml(node: Node | string, picture: (src: string) => string): string {
  if (typeof node === 'string') return escape(node);
  // WeChat's compiler names attributes in camelCase, simulate's keeps the dashes: same HTML from both.
  const attrs = node.attrs
    .map((a) => ({ name: a.name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`), value: a.value }))
    .filter((a) => KEPT.has(a.name) && a.value !== false && a.value !== '' && a.value !== undefined && a.value !== null)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => (a.value === true ? ` ${a.name}` : ` ${a.name}="${escape(String(a.value))}"`))
    .join('');
  const value = (name: string) => String(node.attrs.find((a) => a.name === name)?.value ?? '');
  let inner = node.children.map((child) => toHtml(child, picture)).join('');
  if (node.tagName === 'wx-image') inner = `<img src="${escape(picture(value('src')))}" alt="">`;
  if (node.tagName === 'wx-input') inner = value('value') ? `<span>${escape(value('value'))}</span>` : `<span class="wx-placeholder">${escape(value('placeholder'))}</span>`;
  if (node.tagName === 'wx-button' && node.attrs.some((a) => a.name === 'loading' && a.value === true)) inner = `<i class="wx-spinner"></i>${inner}`;
  return `<${node.tagName}${attrs}>${inner}</${node.tagName}>`;
}

function dataUri(path: string): string {
  const type = path.endsWith('.svg') ? 'image/svg+xml' : path.endsWith('.png') ? 'image/png' : 'image/jpeg';
  return `data:${type};base64,${readFileSync(path).toString('base64')}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** WeChat's built-in components as they look with "style": "v2" (WeUI), at twice their CSS size. */
const BUILT_INS = `
html, body { margin: 0; }
body { width: 750px; background: #ededed; font-family: -apple-system, "PingFang SC", "Helvetica Neue", "Noto Sans CJK SC", "DejaVu Sans", sans-serif; -webkit-font-smoothing: antialiased; }
.wx-status { height: 88px; padding: 0 48px; display: flex; align-items: center; font: 600 30px sans-serif; background: #ededed; }
.wx-nav { position: relative; height: 88px; display: flex; align-items: center; justify-content: center; font-size: 34px; font-weight: 600; background: #ededed; }
.wx-capsule { position: absolute; right: 20px; width: 174px; height: 64px; box-sizing: border-box; border-radius: 32px; border: 1px solid rgba(0,0,0,.12); background: rgba(255,255,255,.6); display: flex; font: 700 26px sans-serif; font-style: normal; }
.wx-capsule b { flex: 1; display: flex; align-items: center; justify-content: center; }
.wx-capsule b + b { border-left: 1px solid rgba(0,0,0,.12); margin: 14px 0; }
page { display: block; min-height: 1158px; }
wx-view, wx-form { display: block; }
wx-text { display: inline; }
wx-image { display: inline-block; overflow: hidden; width: 640px; height: 480px; }
wx-image img { display: block; width: 100%; height: 100%; }
wx-image[mode="aspectFit"] img { object-fit: contain; }
wx-image[mode="aspectFill"] img { object-fit: cover; }
wx-input { display: flex; align-items: center; min-height: 44px; overflow: hidden; }
.wx-placeholder { color: #b2b2b2; }
wx-button { position: relative; display: block; box-sizing: border-box; width: 368px; margin: 0 auto; padding: 16px 48px; font-size: 34px; font-weight: 700; line-height: 1.41176471; text-align: center; border-radius: 8px; color: #06ae56; background: #f2f2f2; overflow: hidden; }
wx-button::after { content: " "; position: absolute; top: 0; left: 0; width: 200%; height: 200%; box-sizing: border-box; border: 1px solid rgba(0,0,0,.2); border-radius: 20px; transform: scale(.5); transform-origin: 0 0; }
wx-button[type="primary"] { color: #fff; background: #07c160; }
wx-button[disabled] { opacity: .55; }
.wx-spinner { display: inline-block; width: 30px; height: 30px; margin: 0 12px -4px 0; border: 4px solid rgba(255,255,255,.4); border-top-color: #fff; border-radius: 50%; box-sizing: border-box; }
`;

import type { LoginServices } from '../services.ts';
import type { WaitingPolls } from '../waiting-polls.ts';
import type { WeChatLinks } from '../wechat-links.ts';

/** What the login page's routes need: the login services, and the page's own two helpers. */
export interface BrowserServices extends LoginServices {
  /** "Open WeChat to sign in" links. */
  links: WeChatLinks;
  /** The waiting status polls of this process. */
  polls: WaitingPolls;
}

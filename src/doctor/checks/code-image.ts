import { fail, ok, skipped, warn, type Check } from '../check.ts';
import { decodeCode } from '../code-image.ts';
import { DOCTOR_SCENE, describeFailure, errcodeOf } from '../wechat-probe.ts';

/**
 * The code image WeChat sends decodes (JPEG or PNG, by its bytes). When the image is a standard QR
 * code (the emulator draws one) it must also carry the scene it was drawn for; WeChat's own round
 * mini-program codes only WeChat can read, so for them decoding is the check.
 */
export const codeImage: Check = {
  id: 'code_image',
  title: 'Code image',
  async run({ wechat }) {
    let answer = await wechat.code(true);
    // An unreleased page still gets an image with check_path false: the image can be checked anyway.
    if (!answer.ok && errcodeOf(answer) === 41030) answer = await wechat.code(false);
    if (!answer.ok) {
      if (answer.blocked) return skipped(`not checked: ${answer.blocked}`);
      return skipped(`not checked: no image came back (${describeFailure(answer.error)}; see "Login page released")`);
    }
    let decoded;
    try {
      decoded = decodeCode(answer.value.image);
    } catch (err) {
      return fail(`the image WeChat sent does not decode: ${(err as Error).message}`, 'Check that WECHAT_API_BASE is WeChat (https://api.weixin.qq.com) and no proxy rewrites its answers.');
    }
    const size = `${decoded.format}, ${decoded.width}×${decoded.height} px`;
    if (decoded.qrText === undefined) return ok(`${size}: a mini-program code (only WeChat reads it)`);
    if (!decoded.qrText.includes(DOCTOR_SCENE)) {
      return warn(`${size}: a QR code that does not carry the scene it was drawn for`, 'Check that WECHAT_API_BASE points at WeChat or the saoma emulator.');
    }
    return ok(`${size}: a QR code carrying the scene (the emulator's)`);
  },
};

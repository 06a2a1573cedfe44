'use strict';

/**
 * The settings a deploy cannot do without, checked before anything is packaged, each refused in
 * one line that says how to set it (osls would otherwise print its raw variable-resolution error).
 */
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

class RequiredParams {
  constructor(serverless) {
    const check = () => {
      const sid = String(serverless.service.custom?.twilio?.accountSid ?? '');
      if (!ACCOUNT_SID.test(sid)) {
        throw new serverless.classes.Error(
          sid === ''
            ? 'The Twilio account SID is not set: pass --param="twilioAccountSid=AC…" or export TWILIO_ACCOUNT_SID=AC… (docs/DEPLOY.md, step 3).'
            : `twilioAccountSid "${sid}" is not an account SID (AC followed by 32 hex digits).`,
        );
      }
    };
    this.hooks = { 'before:package:initialize': check };
  }
}

module.exports = RequiredParams;

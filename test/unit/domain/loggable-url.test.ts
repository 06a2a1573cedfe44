import { describe, expect, it } from 'vitest';
import { loggableUrl } from '../../../lib/domain/loggable-url.ts';

describe('loggableUrl', () => {
  it('keeps origin and path, marks a cut query, and drops userinfo and fragment', () => {
    // Act / Assess
    expect(loggableUrl('https://u:p@hooks.example.com:8443/twilio/messages?key=s3cr3t#x')).toBe(
      'https://hooks.example.com:8443/twilio/messages?…',
    );
    expect(loggableUrl('https://hooks.example.com/twilio/messages')).toBe(
      'https://hooks.example.com/twilio/messages',
    );
    expect(loggableUrl('http://[::1]:3000/twilio/messages?')).toBe(
      'http://[::1]:3000/twilio/messages',
    );
  });

  it('names an unparsable URL without echoing it', () => {
    // Act / Assess
    expect(loggableUrl('not a url ?key=s3cr3t')).toBe('(unparsable URL)');
  });
});

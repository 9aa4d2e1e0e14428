import { describe, expect, it } from 'vitest';
import { checkPayload } from '../../src/adapters/slack/intake.js';

describe("Slack intake: a slash command's fields", () => {
  const command = { command: '/tandem', user_id: 'U1', team_id: 'T1', channel_id: 'C1', text: 'help', trigger_id: '1.2.3', response_url: 'https://hooks.slack.com/commands/T1/1/abc' };

  it('takes a command as Slack sends it, with or without its optional fields', () => {
    expect(checkPayload(command)).toEqual({ kind: 'process', body: command });
    const { text: _text, trigger_id: _trigger, response_url: _url, ...bare } = command;
    expect(checkPayload(bare).kind).toBe('process');
    expect(checkPayload({ ...command, response_url: 'HTTP://127.0.0.1:9/r' }).kind).toBe('process');
  });

  it('refuses a command without its name, who or where, or with a response_url that is not an http(s) URL, saying which field', () => {
    const reason = (b: Record<string, unknown>) => {
      const out = checkPayload(b);
      return out.kind === 'refuse' ? out.reason : out.kind;
    };
    expect(reason({ ...command, command: 'tandem' })).toBe('slash command: command: expected a "/name"');
    expect(reason({ ...command, command: 42 })).toBe('slash command: command: expected a "/name"');
    expect(reason({ ...command, user_id: '' })).toBe('slash command: user_id: expected a non-empty string');
    expect(reason({ ...command, team_id: undefined })).toBe('slash command: team_id: expected a non-empty string');
    expect(reason({ ...command, channel_id: ['C1'] })).toBe('slash command: channel_id: expected a non-empty string');
    expect(reason({ ...command, text: 7 })).toBe('slash command: text: expected a string');
    expect(reason({ ...command, trigger_id: {} })).toBe('slash command: trigger_id: expected a string');
    for (const url of ['ftp://hooks.slack.com/x', 'https://', 'not a url', 12]) expect(reason({ ...command, response_url: url })).toBe('slash command: response_url: expected a response_url');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyReason, completeStatus, findReplyCode, findStage, findStatus, isHard, preferStatus, reasonFromText } from './classify.js';

test('status and reply codes are found in diagnostics, not in IP addresses or versions', () => {
  assert.equal(findStatus('host 192.0.2.1 said: 550 5.1.1 <a@b.c>: User unknown'), '5.1.1');
  assert.equal(findStatus('Exim 4.80 on 10.0.0.1'), '');
  assert.equal(findStatus('550 5.0.0 then 5.2.2 mailbox full'), '5.2.2', 'a specific code outranks a bare class');
  assert.equal(findReplyCode('smtp; 550 5.1.1 no such user'), '550');
  assert.equal(findReplyCode('in 250 days'), '');
  assert.equal(findReplyCode('554 4.4.7 expired <421 4.4.2 timed out>', '4'), '421');
});

test('the status quoted with its reply code wins over a general one, unless it contradicts its reply', () => {
  assert.equal(preferStatus('5.0.0', '550 5.1.1 <x@y.z>... User unknown'), '5.1.1');
  assert.equal(preferStatus('5.1.0', "5.1.0 - Unknown address error 550-'5.2.2 <x@y.z>... Mailbox Full'"), '5.2.2');
  assert.equal(preferStatus('4.4.1', '550 4.4.7 QUEUE.Expired; message expired'), '4.4.1');
  assert.equal(preferStatus('', 'no code here'), '');
});

test('wordings of common servers name the reason', () => {
  const cases: Array<[string, string]> = [
    ['550 5.1.1 <a@b.c>: Recipient address rejected: User unknown in virtual mailbox table', 'userunknown'],
    ['Recipient address rejected: No relaying', 'norelaying'],
    ['552 5.2.2 Mailbox full', 'mailboxfull'],
    ['Host or domain name not found. Name service error for name=x.example type=MX', 'hostunknown'],
    ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked'],
    ['550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy', 'authfailure'],
    ['retry timeout exceeded', 'expired'],
    ['550 This message has been scored as spam', 'spamdetected'],
    ['553 5.1.8 Domain of sender address x@y.z does not exist', 'rejected'],
  ];
  for (const [text, reason] of cases) assert.equal(reasonFromText(text), reason, text);
  assert.equal(reasonFromText('Thank you for your message'), undefined);
});

test('the SMTP stage recasts a reason: user unknown after DATA is a filter, DNS trouble while retrying is the network', () => {
  assert.equal(findStage('(in reply to end of DATA command)'), 'data');
  assert.equal(findStage('SMTP error from remote mail server after RCPT TO:<a@b.c>'), 'rcpt');
  assert.equal(classifyReason({ status: '5.0.0', diagnostic: '550 User unknown', stage: 'data' }), 'filtered');
  assert.equal(classifyReason({ status: '5.1.1', diagnostic: '550 User unknown', stage: 'data' }), 'userunknown');
  assert.equal(classifyReason({ status: '4.4.3', diagnostic: 'Host not found', action: 'delayed' }), 'networkerror');
  assert.equal(classifyReason({ status: '2.0.0', diagnostic: '250 OK', action: 'delivered' }), 'delivered');
  assert.equal(classifyReason({ status: '5.2.2', diagnostic: '' }), 'mailboxfull', 'a decisive code alone names the reason');
});

test('a bare 5xx "user unknown" with no enhanced code and no stage is not proof of a dead mailbox', () => {
  assert.equal(findStage('SMTP error from remote mail server after pipelined RCPT TO:<a@b.c>: 550 Unknown user'), 'rcpt');
  assert.equal(findStage('SMTP error from remote mail server after pipelined end of data: 550 rejected'), 'data');
  const bare = { status: '', diagnostic: '550 <a@b.c>: User unknown', replyCode: '550' };
  assert.equal(classifyReason(bare), 'filtered');
  assert.equal(classifyReason({ ...bare, stage: 'rcpt' }), 'userunknown', 'refused at RCPT TO: the mailbox does not exist');
  assert.equal(classifyReason({ ...bare, status: '5.1.1' }), 'userunknown', 'an enhanced code names the address');
  assert.equal(classifyReason({ ...bare, replyCode: '' }), 'userunknown', 'the reporting host speaking of its own mailboxes');
  assert.equal(classifyReason({ ...bare, replyCode: '551' }), 'userunknown', '551 answers RCPT TO');
  assert.equal(classifyReason({ ...bare, diagnostic: '550 Recipient address rejected: User unknown in local recipient table' }), 'userunknown');
});

test('hard means the address is dead; a missing status gets a pseudo code of the right class', () => {
  assert.equal(isHard('userunknown', '5.1.1', '550'), true);
  assert.equal(isHard('notaccept', '5.1.10', '550'), true);
  assert.equal(isHard('notaccept', '4.0.0', ''), false);
  assert.equal(isHard('blocked', '5.7.1', '550'), false);
  assert.equal(completeStatus({ status: '', replyCode: '', reason: 'userunknown', temporary: false }), '5.0.911');
  assert.equal(completeStatus({ status: '', replyCode: '421', reason: 'expired', temporary: true }), '4.0.947');
  assert.equal(completeStatus({ status: '5.1.1', replyCode: '550', reason: 'userunknown', temporary: false }), '5.1.1');
});

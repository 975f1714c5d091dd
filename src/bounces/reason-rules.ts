import type { Reason } from './types.js';

/**
 * Wording of common mail servers, by reason. Order matters: the first rule that matches wins, so the more
 * specific wordings (a dead mailbox) come before the generic ones ("rejected", "policy"). The strong ones name
 * a cause precisely enough to outrank even a status code.
 */
export const STRONG_RULES: ReadonlyArray<readonly [Reason, RegExp]> = [
  ['notcompliantrfc', /\brfc ?5322\b|\bnot (?:rfc[- ]?)?compliant\b|\bduplicate header|\bmultiple (?:\S+ ){0,3}addresses in (?:the )?from\b|\bmultiple (?:from|to|subject|date) headers/i],
  ['failedstarttls', /\bdoes not support (?:tls|starttls)\b|\bstarttls (?:failed|is required)|\btls (?:negotiation|handshake) failed/i],
  ['rejected', /\bnot a member of (?:this|the) (?:mailing )?list|\bnon-?member (?:post|submission)|\b(?:to\/from|sender) (?:an )?address (?:that )?(?:has been|is) (?:blacklisted|blocked)|\bsend mail as\b|\bfrom:? domain is invalid|\bprovide a valid from\b|\bdomain of sender (?:address )?(?:\S+ )?does not (?:exist|resolve)|\bsender (?:address )?(?:was )?(?:rejected|denied|refused)|\bunroutable sender|\bsender verify failed|\binvalid sender\b/i],
  ['filtered', /\b[45]\d\d:?\s+:\s*user unknown/i],
  ['networkerror', /\bmalformed or unexpected name server reply|\bhost not found, try again/i],
  ['blocked', /\bis an open relay\b|\buse the smtp server of your (?:isp|provider)|\bclient host (?:\S+ )?rejected|\bmy name was rejected|\brefused to talk to me|\bservice refused|\binvalid ip for sending|\bmessages from \S+ weren'?t sent|\bnot accepting connections/i],
  ['policyviolation', /\bcontent presents a potential/i],
  ['mailboxfull', /\bdisk quota exceeded|\bquota exceeded\b|\bover quota\b/i],
  ['speeding', /\btoo many recipients this (?:hour|day)|\bhas sent to too many/i],
  ['networkerror', /\b(?:wasn'?t|not) able to establish an smtp connection|\bnetwork error\b/i],
  ['mailererror', /\bprocmail\b|\bx-unix\b|\bcommand died\b|\bmailer (?:error|failed)|\bprogram (?:exited|failed|terminated)/i],
  ['norelaying', /\binsecure mail relay|\bemail address is not verified|\bnot configured to relay|\brelay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)|\bunable to relay\b|\bnot permitted to relay\b|\bwe do not relay\b|\bcannot relay\b/i],
  ['requireptr', /\bip name lookup failed|\bmismatches client ip|\breverse (?:dns|lookup|hostname|mapping)\b|\bptr (?:record|lookup)|\bno ptr\b|\bcannot find your (?:reverse )?hostname/i],
  ['toomanyconn', /\btoo many (?:connections|concurrent|simultaneous|sessions|smtp sessions|recipients\b(?! this))|\bconnection rate limit|\bconnection (?:limit|count) (?:exceeded|reached)|\bfrequency limited/i],
  ['expired', /\bretry (?:timeout|time) (?:exceeded|not reached)|\bmessage (?:has )?expired\b|\benvelope expired|\bdelivery (?:time )?expired\b|\bdid not accept our requests to connect|\bwill be retried\b/i],
  ['userunknown', /\brecipient address rejected\b(?!: (?:domain|sender|relay|access denied[^\]]*$))|\brecipi?ent ?not ?found\b|\binvalid (?:final delivery )?userid|\bnot listed in (?:the )?(?:domino )?directory|\bnot listed in (?:public )?name & address book/i],
  ['suspend', /\b(?:account|mailbox)\b[^.]{0,40}\b(?:is|has been|was) (?:\w+ )?(?:disabled|suspended|deactivated|inactive)\b/i],
  ['mailboxfull', /\bmailbox exceeds\b|\bnumber of messages in (?:the )?recipient'?s mailbox exceeded/i],
  ['hostunknown', /\baccount or domain may not exist|(?<=^|[\s:;(<"'])[a-z0-9-]+(?:\.[a-z0-9-]+)+ does not exist|\bunrouteable address\b|\bdomain (?:name )?(?:does not exist|not found)|\bdomain (?:is )?not reachable/i],
  ['notaccept', /\bno mx (?:record )?found|\bcouldn'?t find a mail exchanger|\bindicated no smtp service|\bnull mx\b/i],
  ['spamdetected', /\bspam classification|\b(?:scored|identified|classified|detected|considered|marked) as (?:spam|junk)|\blooks like spam/i],
  ['securityerror', /\bunauthenticated senders?\b/i],
  ['rejected', /\bunexpected volume or user complaints/i],
];

/** The common wordings, after the strong ones; a decisive status code outranks these. */
export const COMMON_RULES: ReadonlyArray<readonly [Reason, RegExp]> = [
  ['hasmoved', /\b(?:has|have) moved\b|\bmoved to\b.*@|\bno longer (?:valid|available|active)\b.*\bnew address|\bplease (?:use|send to) .* (?:new|instead)/i],
  ['notaccept', /\bnull mx\b|\baccepts? no (?:e-?)?mail\b|\bdoes not accept (?:e-?)?mail\b|\bdomain (?:\S+ )?does not (?:receive|accept) (?:e-?)?mail|\bnot accepting (?:any )?(?:e-?)?mail|\bno mx (?:record|host)s?\b.*\bmail\b|\bmail (?:is )?not accepted for this domain/i],
  ['authfailure', /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|\bauthentication (?:failed|failure|check)|\bnot authenticated\b|\bsender-?id\b|\bdomainkeys\b|\bfailed (?:the )?authentication/i],
  ['requireptr', /\breverse (?:dns|lookup|hostname|mapping)\b|\bptr\b|\brdns\b|\bcannot find your (?:reverse )?hostname|\bcould not resolve (?:your )?(?:hostname|ip)|\bno (?:reverse|ptr)\b|\bunresolvable (?:host|address)|\bhostname .* does not resolve|\bname (?:lookup|resolution) failed for (?:your )?ip|\bclient host .* (?:not|cannot be) resolved/i],
  ['mailboxfull', /\bmailbox (?:is )?(?:full|over ?quota)|\bmail ?box full\b|\bover ?quota\b|\bquota (?:exceeded|exceed|full|violation)|\bexceed(?:s|ed)? (?:its |their |the |his |her )?(?:storage|mailbox|disk|quota)|\binsufficient (?:disk )?(?:space|storage)|\bfull mailbox\b|\bmailfolder is full\b|\buser(?:'s)? (?:mailbox|mail box|disk)(?: space)? (?:is )?(?:full|exceeded)|\bmailbox size limit\b|\bdisk quota\b|\bnot enough (?:disk |storage )?space\b|\bstorage (?:limit|quota) (?:exceeded|reached)|\bno space left\b|\bmailbox has exceeded\b|\bmaildir over quota\b|\bis full\b|\btoo many messages in (?:the |this )?mailbox/i],
  ['mesgtoobig', /\bline limit exceeded|\bmessage (?:is )?too (?:large|big)|\bmessage (?:size|length) (?:exceeds|limit|too)|\bsize limit\b|\bexceeds? (?:the )?(?:maximum )?(?:message )?size|\btoo big\b|\bmessage file too big|\bmail size\b|\bsize of (?:the )?message exceeds/i],
  ['exceedlimit', /\bheader (?:size )?(?:exceeds|too long)|\bexceeds? (?:the )?(?:local )?limit\b|\bline too long\b|\btoo many recipients\b/i],
  ['virusdetected', /(?<!x-)\bvirus\b(?!-)|\binfected\b|\bmalware\b|\bworm\b|\btrojan\b/i],
  ['norelaying', /\brelay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)|\bunable to relay\b|\bnot permitted to relay\b|\bwe do not relay\b|\bno relaying\b|\bcannot relay\b|\bnot (?:a|an) (?:open )?(?:relay|gateway)\b|\brelay(?:ing)? (?:is )?(?:not )?(?:authori[sz]ed|allowed)|\bmust (?:authenticate|check mail) before (?:relay|sending)/i],
  ['suspend', /\b(?:account|mailbox|user|address|recipient)(?: \S+)?(?: has been| is| was)? (?:temporarily |currently |now )?(?:suspended|disabled|deactivated|inactive|locked|frozen|blocked by the administrator)|\bsuspended (?:account|mailbox|user)|\bdisabled (?:account|mailbox|user)|\bmailbox (?:is )?unavailable\b.*\b(?:inactive|disabled)|\bexpired account\b|\bnot active\b|\bno longer active\b|\bhas been closed\b|\baccount closed\b/i],
  ['userunknown', /\buser (?:unknown|not found|does not exist|doesn'?t exist|not exist|invalid|is unknown)\b|\bunknown (?:user|recipient|local[- ]part|mailbox|address|account|alias)|\bno such (?:user|mailbox|recipient|account|address|local user|person)|\brecipient (?:not found|unknown|does not exist|address (?:rejected: )?(?:user unknown|unknown|does not exist)|is not (?:valid|found|known))|\binvalid (?:recipient|mailbox|user|address|account)\b|\bmailbox (?:not found|does not exist|unknown|doesn'?t exist|not available|unavailable)\b|\baddress(?:ee)? (?:unknown|does not exist|not found|invalid)|\bno mailbox (?:here|by that name|found)\b|\b(?:does not|doesn'?t|not) exist\b|\bnot (?:a )?(?:valid|known) (?:user|recipient|mailbox|address)|\bbad (?:destination mailbox|recipient) address|\bnot our customer\b|\bnot listed in\b.*\b(?:address|user|recipient)|\bnot have an? .* account\b|\bdoesn'?t have an? .* account\b|\brecipnotfound\b|\bundeliverable address\b|\bno valid recipients?\b|\bis not a (?:valid|known|local)\b|\bno account\b|\baccount (?:unknown|not found)\b|\bnot known here\b|\bcould not be found\b|\bunknown or illegal alias\b|\brecipient rejected\b|\bmailbox name (?:not allowed|invalid)|\bno such address\b|\bwas not found\b|\bis unavailable\b|\billegal (?:user|alias)|\bnot (?:an )?(?:active|existing) (?:user|mailbox|address)|\bdisabled or discontinued/i],
  ['hostunknown', /\bhost (?:or domain name )?(?:not found|unknown)|\bunknown host\b|\bdomain (?:name )?(?:not found|does not exist|unknown|invalid)|\bno such domain\b|\bname service error\b|\bnxdomain\b|\bunrouteable (?:mail )?domain|\bhost name lookup failure|\bno (?:valid )?(?:mx|a) (?:or a )?records?\b|\ball (?:relevant )?mx records? point to non-?existent hosts|\bunknown domain\b|\binvalid domain\b|\bdomain (?:is )?not (?:found|exist)|\brecipient domain .* (?:unknown|invalid)|\bhost .* not found\b|\bcannot (?:resolve|find) (?:the )?(?:host|domain|mx)|\bdns (?:error|failure|lookup)|\bunable to resolve|\bno route to domain\b/i],
  ['expired', /\ball hosts have been failing\b|\bconnection timed out\b|\btimed out (?:during|while|in)\b|\bcould not deliver for the last\b|\bnot (?:been )?delivered within\b|\bretry (?:timeout|time) (?:exceeded|not reached)|\bmessage (?:has )?expired\b|\bdelivery (?:time )?expired\b|\bdelivery (?:attempts? )?(?:has |have )?(?:timed out|expired)|\bcould not be delivered (?:with)?in\b|\bexpired after\b|\bunable to deliver .* for (?:the last )?\d+ (?:days?|hours?)|\bdeferred\b.*\btoo long|\bqueue ?time|\blifetime (?:exceeded|expired)|\bhasn'?t been delivered|\bnot (?:yet )?been delivered|\bwill (?:continue|keep) trying\b|\bstill trying\b|\bdelivery (?:is|has been) delayed|\bmaximum (?:time|number of (?:delivery )?attempts)/i],
  ['toomanyconn', /\btoo many (?:connections|concurrent|simultaneous|sessions|smtp sessions)|\bconnection (?:limit|count) (?:exceeded|reached)|\bmaximum (?:number of )?connections\b/i],
  ['speeding', /\brate (?:limit|limited|exceeded)\b|\btoo many (?:messages|emails|mails|requests|recipients this session)|\bsending (?:rate|limit)\b|\b(?:exceeded|reached) (?:the |its |your )?(?:hourly|daily|message|sending) (?:limit|quota)|\bslow down\b|\btry again (?:later|in a (?:few|moment)).*\b(?:rate|many)|\bthrottl/i],
  ['spamdetected', /\bspam\b|\bjunk (?:e-?)?mail\b|\bunsolicited\b|\bbulk (?:e-?)?mail\b|\bidentified as (?:spam|junk)|\bcontent (?:filter|scan)|\bmessage content rejected\b|\buce\b|\bscore\b.*\b(?:spam|too high)|\bphishing\b/i],
  ['badreputation', /\breputation\b/i],
  ['blocked', /\bblock(?:ed|list|listed)\b|\bblacklist|\bdenylist|\bdnsbl\b|\brbl\b|\bspamhaus\b|\bspamcop\b|\bbarracuda(?:central)?\b|(?<!not )listed (?:in|on|at|by)\b|\bbanned\b|\byour (?:ip|network|host|server)\b|\bclient host .* rejected|\bconnection (?:refused|rejected|not allowed) (?:from|by|due)|\baccess denied\b|\bnot allowed to (?:send|connect)|\bservice (?:is )?unavailable.*\bclient|\bip (?:address )?(?:\S+ )?(?:is )?(?:not|rejected|denied)|\bsender ip\b|\bhelo\b.*\b(?:rejected|invalid)|\bdynamic (?:ip|pool)|\brefused\b.*\bip\b|\bpoor reputation/i],
  ['systemerror', /\btransaction failed\b|\bservice (?:is )?(?:currently |temporarily )?(?:not available|unavailable)|\bunable to contact ldap|\bcould not load\b/i],
  ['securityerror', /\btls (?:is )?required|\bencryption required|\bstarttls\b|\bsecure connection|\bsecurity (?:policy|error|reasons?)|\bauthentication required|\bmust (?:issue|use) (?:a )?starttls|\bcertificate|\bpassword\b|\bnot authori[sz]ed\b|\bunauthori[sz]ed\b|\bsmtp auth/i],
  ['policyviolation', /\bheader error\b|\bpolicy\b|\bviolat|\bprohibited\b|\bnot (?:allowed|permitted)\b|\bforbidden\b|\bterms of service\b|\bacceptable use\b/i],
  ['contenterror', /\bcontent(?:s)? (?:error|rejected|not allowed)|\binvalid (?:mime|header|content)|\bmime\b|\bmessage header\b|\bencoding\b|\bcharacter set\b|\battachment\b.*\b(?:not allowed|blocked|rejected)/i],
  ['notcompliantrfc', /\brfc ?5322\b|\bnot (?:rfc[- ]?)?compliant\b|\bduplicate (?:header|from|message-id)|\bmultiple (?:from|to|subject|date) headers|\bmissing (?:required )?(?:header|from|date|message-id)|\bmalformed (?:header|message)/i],
  ['filtered', /\bfilter(?:ed|ing)?\b|\brejected by (?:the )?(?:recipient|user)|\buser reject|\brecipient (?:has )?(?:refused|rejected|blocked)|\bdelivery not authori[sz]ed|\bdoes not (?:wish|want) to receive|\bprotected\b|\brefuses? to accept\b|\bdenied by (?:recipient|user)/i],
  ['rejected', /\bsender (?:address )?(?:rejected|denied|refused|invalid|unknown|blocked|verify failed)|\bdomain of sender (?:address )?(?:\S+ )?does not (?:exist|resolve)|\bmail from\b.*\b(?:rejected|denied|refused)|\binvalid sender\b|\bbad sender\b|\bsender verif|\benvelope sender\b|\breturn path\b|\breturn-path\b|\bsender domain\b|\bfrom address\b.*\b(?:rejected|invalid|not)|\byour (?:e-?mail )?address\b|\bsender (?:\S+ )?(?:is )?not (?:allowed|permitted|authorized)/i],
  ['networkerror', /\bconnection (?:refused|timed out|reset|closed|lost|dropped)|\btimed? ?out\b|\bnetwork (?:is )?unreachable|\bno route to host\b|\blost connection\b|\bconnect(?:ion)? to .* failed|\bmail (?:for .* )?loops back|\bloop(?:ing)? detected|\bmail loop|\btoo many hops\b|\bhop count|\brouting loop\b|\bname server\b|\bmalformed .* reply|\bunexpected (?:eof|end)|\bbroken pipe|\bcould not connect|\bunable to connect|\bconnection attempt/i],
  ['systemfull', /\bsystem (?:is )?full\b|\binsufficient system (?:storage|resources)|\bout of (?:disk|memory|storage)|\bdisk (?:is )?full/i],
  ['mailererror', /\bmailer (?:error|failed)|\bx-unix\b|\bcommand (?:died|failed|output)|\bprocmail\b|\bprogram (?:exited|failed|terminated)|\bexit (?:code|status)|\bunix; ?\d|\bpipe to\b|\bshell\b|\bcannot execute/i],
  ['systemerror', /\bsystem error\b|\binternal (?:server )?error|\bserver error\b|\blocal (?:configuration )?error|\bconfiguration error|\bmisconfigur|\berror (?:in|while) processing|\btemporar(?:y|ily) (?:local )?(?:failure|error|problem|unavailable)|\btry (?:again )?later\b|\bservice (?:not available|unavailable)|\bresources? (?:temporarily )?unavailable|\bi\/o error|\bunexpected error|\bprocessing error|\bserver (?:is )?busy|\bsystem (?:is )?(?:busy|unavailable)/i],
  ['syntaxerror', /\bimproper sequence\b|\bsyntax error\b|\bcommand (?:not )?(?:unrecognized|recognized)|\bbad command\b|\bbad sequence of commands|\bunrecognized command/i],
  ['onhold', /\bon hold\b|\bheld\b|\bquarantin/i],
];

export const TEXT_RULES: ReadonlyArray<readonly [Reason, RegExp]> = [...STRONG_RULES, ...COMMON_RULES];

/** Generic words, weaker than a status code: used only when neither the wording above nor the code names a reason. */
export const WEAK_RULES: ReadonlyArray<readonly [Reason, RegExp]> = [
  ['expired', /\btoo long in (?:the )?queue|\b(?:been )?in (?:the )?queue (?:too long|for)/i],
  ['rejected', /\breject(?:ed)?\b|\brefused\b|\bdenied\b|\bnot accepted\b/i],
];

/** Enhanced status codes (RFC 3463) whose meaning is clear enough to name a reason without words. */
export const STATUS_RULES: ReadonlyArray<readonly [RegExp, Reason]> = [
  [/^[45]\.1\.[13]$/, 'userunknown'],
  [/^[45]\.1\.2$/, 'hostunknown'],
  [/^[45]\.1\.6$/, 'hasmoved'],
  [/^[45]\.1\.10$/, 'notaccept'],
  [/^[45]\.1\.[78]$/, 'rejected'],
  [/^[45]\.2\.1$/, 'suspend'],
  [/^[45]\.2\.2$/, 'mailboxfull'],
  [/^[45]\.2\.3$/, 'exceedlimit'],
  [/^[45]\.2\.4$/, 'systemerror'],
  [/^[45]\.3\.1$/, 'systemfull'],
  [/^[45]\.3\.4$/, 'mesgtoobig'],
  [/^[45]\.3\.[0235]$/, 'systemerror'],
  [/^[45]\.4\.[1236]$/, 'networkerror'],
  [/^[45]\.4\.4$/, 'hostunknown'],
  [/^[45]\.4\.5$/, 'systemfull'],
  [/^[45]\.4\.7$/, 'expired'],
  [/^[45]\.5\.[1-9]$/, 'syntaxerror'],
  [/^[45]\.6\.\d+$/, 'contenterror'],
  [/^[45]\.7\.(?:23|24|26|509|51[0-5])$/, 'authfailure'],
  [/^[45]\.7\.25$/, 'requireptr'],
  [/^[45]\.7\.27$/, 'notaccept'],
  [/^[45]\.7\.(?:8|11|5|10|30)$/, 'securityerror'],
  [/^[45]\.7\.9$/, 'policyviolation'],
  [/^[45]\.7\.13$/, 'suspend'],
  [/^[45]\.7\.(?:606|60\d|1)$/, 'blocked'],
  [/^[45]\.7\.650$/, 'badreputation'],
  [/^[45]\.7\.\d+$/, 'securityerror'],
];

/** The pseudo detail codes Sisimai uses when a report gives no status: "5.0.9xx" by reason. */
export const PSEUDO_DETAIL: Partial<Record<Reason, string>> = {
  undefined: '900', onhold: '901', syntaxerror: '902', norelaying: '909', filtered: '910', userunknown: '911',
  hostunknown: '912', rejected: '918', suspend: '921', mailboxfull: '922', exceedlimit: '923',
  systemerror: '930', systemfull: '931', notaccept: '932', mesgtoobig: '934', mailererror: '939',
  speeding: '942', networkerror: '944', expired: '947', contenterror: '960', securityerror: '970',
  blocked: '971', policyviolation: '972', requireptr: '973', toomanyconn: '974', authfailure: '975',
  failedstarttls: '976', badreputation: '977', ratelimited: '978', notcompliantrfc: '979',
  spamdetected: '980', virusdetected: '981',
};

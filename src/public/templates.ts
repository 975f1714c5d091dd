/**
 * LiquidJS templates of the public pages. Every `{{ }}` output is HTML-escaped (outputEscape: 'escape');
 * only wording already sanitised on save is printed with `| raw`. Plain HTML forms: everything works without
 * JavaScript, and the pages load nothing from elsewhere.
 */
export const TEMPLATES: Record<string, string> = {
  base: `<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<title>{{ title }}</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f4f5f7;margin:0;padding:2rem 1rem}
main{max-width:36rem;margin:0 auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin-top:0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
label{display:block;margin:.5rem 0}input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #9aa3b0;border-radius:4px}
.check{display:flex;gap:.5rem;align-items:flex-start}.check input{margin-top:.3rem}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer;margin-top:1rem}
button.danger{background:#b3261e}
.errors{background:#fdecea;border:1px solid #f5c2c0;padding:.5rem 1rem;border-radius:4px}
.ok{background:#e7f5ea;border:1px solid #b7dfc0;padding:.5rem 1rem;border-radius:4px}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
table{border-collapse:collapse;width:100%;font-size:.9rem;table-layout:fixed}td,th{border-bottom:1px solid #dde1e6;padding:.3rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{width:9rem}
footer{max-width:36rem;margin:1rem auto;font-size:.8rem;color:#5b6573;text-align:center}
@media print{body{background:#fff;padding:0}main{box-shadow:none;max-width:none}}
</style>
</head>
<body>
<main>
{% block content %}{% endblock %}
</main>
<footer>{% if controller %}<p class="controller">{{ controller.company }}{% if controller.address != blank %} · {{ controller.address }}{% endif %}{% if controller.contactEmail != blank %} · <a href="mailto:{{ controller.contactEmail }}">{{ controller.contactEmail }}</a>{% endif %}</p>{% endif %}{{ t["page.footer"] }}</footer>
</body>
</html>`,

  signupForm: `<form method="post" action="{{ action }}" accept-charset="utf-8">
<input type="hidden" name="lang" value="{{ lang }}">
<input type="hidden" name="v" value="{{ form.version }}">
<label>{{ t["form.email"] }} <input type="email" name="email" required autocomplete="email" value="{{ values.email }}"></label>
{% for f in form.fields %}<label>{{ f.label[lang] }}{% if f.required %} ({{ t["form.required"] }}){% endif %} <input type="text" name="field_{{ f.key }}" maxlength="200" value="{{ values.fields[f.key] }}"{% if f.required %} required{% endif %}></label>
{% endfor %}{% if form.lists.size > 1 %}<fieldset><legend>{{ t["form.lists"] }}</legend>
{% for l in form.lists %}<label class="check"><input type="checkbox" name="list" value="{{ l.id }}"{% if values.lists contains l.id %} checked{% endif %}> <span>{{ l.name }}</span></label>
{% endfor %}</fieldset>{% endif %}
<fieldset><legend>{{ t["form.consentHeading"] }}</legend>
{% for ch in form.channels %}<label class="check"><input type="checkbox" name="consent_{{ ch }}" value="yes"> <span>{{ wording.consent[ch] | raw }}</span></label>
{% endfor %}</fieldset>
<p><a href="{{ form.privacyUrl }}" target="_blank" rel="noopener noreferrer">{{ t["form.privacy"] }}</a></p>
<div class="trap" aria-hidden="true"><label>{{ t["form.honeypot"] }} <input type="text" name="website" tabindex="-1" autocomplete="off"></label></div>
{% if form.captcha %}<input type="hidden" name="captcha_token" value="">{% endif %}
<button type="submit">{{ t["form.submit"] }}</button>
</form>`,

  form: `{% layout 'base' %}{% block content %}
<h1>{{ wording.title | raw }}</h1>
{% if wording.intro %}<p>{{ wording.intro | raw }}</p>{% endif %}
{% if errors.size > 0 %}<div class="errors" role="alert"><ul>{% for e in errors %}<li>{{ e }}</li>{% endfor %}</ul></div>{% endif %}
{% render 'signupForm', form: form, t: t, lang: lang, wording: wording, values: values, action: action %}
{% endblock %}`,

  message: `{% layout 'base' %}{% block content %}
<h1>{{ title }}</h1>
<p class="{{ tone }}">{{ body }}</p>
{% for l in links %}<p><a href="{{ l.href }}">{{ l.label }}</a></p>{% endfor %}
{% endblock %}`,

  confirm: `{% layout 'base' %}{% block content %}
<h1>{{ t["confirm.title"] }}</h1>
<p>{{ t["confirm.body"] }}</p>
<form method="post" action="{{ action }}">
<input type="hidden" name="t" value="{{ token }}"><input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="lang" value="{{ lang }}">
<button type="submit">{{ t["confirm.button"] }}</button>
</form>
{% endblock %}`,

  unsubscribe: `{% layout 'base' %}{% block content %}
<h1>{{ t["unsub.title"] }}</h1>
<p>{{ question }}</p>
<form method="post" action="{{ action }}">
{% if oneClick %}<input type="hidden" name="List-Unsubscribe" value="One-Click">{% else %}<input type="hidden" name="t" value="{{ token }}"><input type="hidden" name="csrf" value="{{ csrf }}">{% endif %}
<input type="hidden" name="lang" value="{{ lang }}">
<button type="submit">{{ t["unsub.button"] }}</button>
</form>
{% if preferencesHref %}<p><a href="{{ preferencesHref }}">{{ t["unsub.preferences"] }}</a></p>{% endif %}
{% endblock %}`,

  preferences: `{% layout 'base' %}{% block content %}
<h1>{{ t["prefs.title"] }}</h1>
<p>{{ email }}</p>
{% if saved %}<p class="ok" role="status">{{ t["prefs.saved"] }}</p>{% endif %}
<form method="post" action="{{ action }}">
<input type="hidden" name="t" value="{{ token }}"><input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="lang" value="{{ lang }}">
{% if lists.size > 0 %}<h2>{{ t["prefs.lists"] }}</h2>
{% for l in lists %}<label class="check"><input type="checkbox" name="list" value="{{ l.id }}"{% if l.member %} checked{% endif %}> <span>{{ l.name }}</span></label>
{% endfor %}{% endif %}
{% if channels.size > 0 %}<h2>{{ t["prefs.channels"] }}</h2>
{% for c in channels %}<label class="check"><input type="checkbox" name="channel" value="{{ c.id }}"{% if c.active %} checked{% endif %}> <span>{{ c.label }}</span></label>
{% endfor %}{% endif %}
<h2>{{ t["prefs.frequency"] }}</h2>
{% for f in frequencies %}<label class="check"><input type="radio" name="frequency" value="{{ f.id }}"{% if f.selected %} checked{% endif %}> <span>{{ f.label }}</span></label>
{% endfor %}
<button type="submit">{{ t["prefs.save"] }}</button>
</form>
<p><a href="{{ unsubscribeHref }}">{{ t["prefs.unsubscribeAll"] }}</a></p>
<p><a href="{{ myDataHref }}">{{ t["prefs.myData"] }}</a></p>
{% endblock %}`,

  myData: `{% layout 'base' %}{% block content %}
<h1>{{ t["mydata.title"] }}</h1>
<h2>{{ t["mydata.held"] }}</h2>
<table><tbody>
<tr><th>{{ t["form.email"] }}</th><td>{{ data.contact.email }}</td></tr>
{% for f in fields %}<tr><th>{{ f[0] }}</th><td>{{ f[1] }}</td></tr>{% endfor %}
<tr><th>{{ t["form.country"] }}</th><td>{{ data.contact.country }}</td></tr>
</tbody></table>
<h2>{{ t["mydata.source"] }}</h2>
<p>{{ sourceText }}</p>
<h2>{{ t["mydata.consents"] }}</h2>
{% if data.consents.size == 0 %}<p>{{ t["mydata.none"] }}</p>{% else %}<table><thead><tr><th>{{ labels.channel }}</th><th>{{ labels.method }}</th><th>{{ labels.given }}</th><th>{{ labels.confirmed }}</th><th>{{ labels.withdrawn }}</th></tr></thead><tbody>
{% for c in data.consents %}<tr><td>{{ c.channel }}</td><td>{{ c.method }}</td><td>{{ c.at }}</td><td>{{ c.confirmedAt }}</td><td>{{ c.withdrawnAt }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<h2>{{ t["mydata.lists"] }}</h2>
{% if data.lists.size == 0 %}<p>{{ t["mydata.none"] }}</p>{% else %}<ul>{% for l in data.lists %}<li>{{ l.name }}</li>{% endfor %}</ul>{% endif %}
<h2>{{ t["mydata.suppressions"] }}</h2>
{% if blocks.size == 0 %}<p>{{ t["mydata.none"] }}</p>{% else %}<ul>{% for s in blocks %}<li>{{ s.reasonText }} ({{ s.at }}){% if s.liftedAt %}, {{ labels.lifted }} {{ s.liftedAt }}{% endif %}</li>{% endfor %}</ul>{% endif %}
<h2>{{ labels.messages }}</h2>
{% if messages.size == 0 %}<p>{{ t["mydata.none"] }}</p>{% else %}<table><thead><tr><th>{{ labels.campaign }}</th><th>{{ labels.subject }}</th><th>{{ labels.state }}</th><th>{{ labels.date }}</th></tr></thead><tbody>
{% for m in messages %}<tr><td>{{ m.campaign }}</td><td>{{ m.subject }}</td><td>{{ m.stateText }}</td><td>{{ m.sentAt }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<p><a href="{{ exportHref }}" download>{{ t["mydata.export"] }}</a></p>
<p><a href="{{ preferencesHref }}">{{ t["mydata.preferences"] }}</a></p>
<h2 id="erase">{{ t["mydata.erase"] }}</h2>
<p>{{ t["mydata.eraseBody"] }}</p>
{% if eraseError %}<p class="errors" role="alert">{{ eraseError }}</p>{% endif %}
<form method="post" action="{{ eraseAction }}">
<input type="hidden" name="t" value="{{ token }}"><input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="lang" value="{{ lang }}">
<label class="check"><input type="checkbox" name="confirm" value="yes" required> <span>{{ t["mydata.eraseConfirm"] }}</span></label>
<button type="submit" class="danger">{{ t["mydata.erase"] }}</button>
</form>
{% endblock %}`,

  access: `{% layout 'base' %}{% block content %}
<h1>{{ t["access.title"] }}</h1>
<p>{{ t["access.body"] }}</p>
<form method="post" action="{{ action }}">
<input type="hidden" name="lang" value="{{ lang }}">
<label>{{ t["form.email"] }} <input type="email" name="email" required autocomplete="email"></label>
<button type="submit">{{ t["access.submit"] }}</button>
</form>
{% endblock %}`,

  evidence: `{% layout 'base' %}{% block content %}
<h1>{{ t["evidence.title"] }}</h1>
<table><tbody>
<tr><th>Contact</th><td>{{ ev.email }} ({{ ev.contactId }})</td></tr>
<tr><th>Source</th><td>{{ ev.source.type }}, {{ ev.source.at }}, collected by {{ ev.source.collectedBy }}</td></tr>
<tr><th>Printed</th><td>{{ printedAt }}</td></tr>
</tbody></table>
{% for c in ev.consents %}
<h2>Consent {{ forloop.index }}: {{ c.channel }} ({{ c.method }})</h2>
<table><tbody>
<tr><th>Given</th><td>{{ c.at }} from IP {{ c.evidence.ip }}</td></tr>
<tr><th>User agent</th><td>{{ c.evidence.userAgent }}</td></tr>
<tr><th>Referrer</th><td>{{ c.evidence.referrer }}</td></tr>
<tr><th>Form</th><td>{{ c.evidence.formName }} ({{ c.evidence.formId }}), version {{ c.evidence.formVersion }}, language {{ c.evidence.language }}</td></tr>
<tr><th>Text shown</th><td>{% if c.textShown %}<blockquote>{{ c.textShown | raw }}</blockquote>{% else %}—{% endif %}</td></tr>
<tr><th>SHA-256 of text</th><td><code>{{ c.evidence.wordingHash }}</code> {% if c.textHashMatches == true %}(matches the stored wording){% elsif c.textHashMatches == false %}(DOES NOT match the stored wording){% endif %}</td></tr>
<tr><th>Lists</th><td>{{ c.lists | join: ", " }}</td></tr>
<tr><th>Confirmed</th><td>{{ c.confirmedAt }} from IP {{ c.evidence.confirmIp }}<br>{{ c.evidence.confirmUserAgent }}</td></tr>
<tr><th>Withdrawn</th><td>{{ c.withdrawnAt }}</td></tr>
</tbody></table>
{% endfor %}
{% if ev.suppressions.size > 0 %}<h2>Suppressions</h2><ul>{% for s in ev.suppressions %}<li>{{ s.reason }} ({{ s.channel }}) {{ s.at }}{% if s.liftedAt %}, lifted {{ s.liftedAt }}{% endif %}</li>{% endfor %}</ul>{% endif %}
{% endblock %}`,
};

// Progressive enhancement for GOV.UK Frontend, loaded by layout.html as
// <script type="module" src="/static/govuk/init.js">. It stands in for the page template's
// inline script, which our Content-Security-Policy (no inline script) would block. Only a
// browser that runs ES modules gets here, the same test GOV.UK Frontend's own snippet makes,
// so the classes it adds mean "this browser can run the components' JavaScript". Every page
// works without it.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

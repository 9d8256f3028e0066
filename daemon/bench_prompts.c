/* SPDX-License-Identifier: ISC */
/*
 * bench_prompts.c: the text benchmark prompts are made of.
 *
 * Prompts are plain English prose so token counts behave like real use.
 * Long prompts cycle through the passage below with numbered sections so no
 * two paragraphs of one prompt are identical; the length is estimated from
 * characters per token and calibrated by the suite after the warm-up. The
 * text ends mid-narrative on purpose: sent with raw:true, a model continues
 * it instead of answering and stopping early.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_suite.h"
#include "xmalloc.h"

const char bench_prompts_story[] =
    "Once upon a time, in a small harbour town at the edge of a cold "
    "northern sea,";

static const char *const passage[] = {
	"The harbour town of Vellmark sat between two grey headlands, and "
	"for most of the year the wind came straight off the water.",
	"Its houses were built low and close together, with thick walls of "
	"stone and roofs weighted down against the winter storms.",
	"Every morning before dawn the fishing boats went out past the "
	"breakwater, their lamps moving across the dark like slow stars.",
	"The lighthouse keeper, an old woman named Ilse Marrow, had watched "
	"them leave and return for more than forty years.",
	"She kept a ledger of every boat, every crossing and every change in "
	"the weather, written in a small and careful hand.",
	"Nobody in the town had ever asked to read it, and she had never "
	"offered, but she believed it would matter one day.",
	"In the spring the market filled with salt cod, wool, tin lanterns "
	"and the first green onions from the farms inland.",
	"Children ran between the stalls with paper kites, and the baker sold "
	"round loaves that were still warm from the oven.",
	"The schoolmaster taught arithmetic by counting nets and gulls, and "
	"geography by pointing at the ships in the bay.",
	"Twice a year a steamer came from the capital with letters, "
	"newspapers, machine parts and the occasional traveller.",
	"Most travellers stayed a single night at the inn by the quay and left "
	"on the next tide without learning anyone's name.",
	"One autumn, however, a young engineer named Tomas Ardell arrived "
	"with three heavy crates and a letter from the harbour board.",
	"He had been sent to replace the old oil lamp of the lighthouse with "
	"an electric light and a clockwork rotating lens.",
	"Ilse read the letter twice, folded it into her apron pocket and "
	"showed him up the narrow spiral stairs without a word.",
	"From the lamp room the whole coast was visible, from the reefs in the "
	"south to the black cliffs where the seals gathered.",
	"Tomas measured the iron frame, made sketches in a notebook and asked "
	"how often the fog came in during the winter months.",
	"She told him that the fog had its own calendar, and that the ledger "
	"on her desk was the only honest record of it.",
	"He asked whether he might copy some of the pages, because the new "
	"light would need a timetable for its warning signal.",
	"That evening they sat at the kitchen table with the ledger open "
	"between them and a pot of strong tea going cold.",
	"The columns of dates and numbers described storms that had wrecked "
	"boats, calm weeks when the sea lay flat as slate, and tides.",
	"Tomas noticed that the worst fogs came in clusters, roughly every "
	"eleven days, as if something far away were keeping time.",
	"Ilse said she had seen the same pattern but had never found anyone "
	"patient enough to help her work out the reason.",
	"Over the following weeks the engineer installed the generator, ran "
	"cables up the tower and tested the gears of the lens.",
	"In the evenings he returned to the ledger, drawing charts of the "
	"fog against the phases of the moon and the tides.",
	"The townspeople grew curious about the lights that burned late in the "
	"keeper's cottage and the papers pinned to its walls.",
	"The baker brought bread, the schoolmaster brought an old almanac, "
	"and the fishermen brought stories their fathers had told.",
	"Slowly a picture emerged of a cold current that rose from the deep "
	"water whenever a particular wind blew in the far north.",
	"When that current met the warmer water of the bay, the air above it "
	"thickened into fog that could last for days.",
	"If the wind could be watched, Tomas argued, the fog could be "
	"predicted, and the boats could be warned before they left.",
	"Ilse agreed to send word to the weather station on the northern "
	"island, a two-day journey by the mail boat.",
	"The reply came a month later, written on thin blue paper, with a "
	"table of wind readings going back almost twenty years.",
	"The numbers fitted the ledger so closely that Tomas read them three "
	"times before he believed what he was seeing.",
	"That winter the new light turned for the first time, sweeping the "
	"bay every twelve seconds with a clean white beam.",
	"Beside the lighthouse door a slate board now showed the expected fog "
	"for the coming week, chalked up every Sunday.",
	"The fishermen laughed at it at first, then checked it every morning, "
	"and finally would not sail without reading it.",
	"No boat from Vellmark was lost in fog that year, nor the next, and "
	"the harbour board sent a second letter of thanks.",
	"Tomas stayed longer than he had planned, repairing clocks, pumps and "
	"the old bell of the chapel on the hill.",
	"Ilse taught him how to read the colour of the sky at dusk, and he "
	"taught her how the dynamo turned motion into light.",
	"On the last evening of the year they climbed the tower together and "
	"watched the beam pass over the quiet houses.",
	"Far out on the water a single boat was still coming home, its lamp "
	"swinging with the swell, and the keeper opened the ledger",
};

#define NPASSAGE	(sizeof(passage) / sizeof(passage[0]))
#define PER_SECTION	8

/* Prose of about n_tokens tokens, then tail. */
char *
bench_prompts_build(int n_tokens, double chars_per_token, const char *tail)
{
	char	*buf, head[32];
	size_t	 target, len = 0, cap, i, n, cut;

	if (chars_per_token <= 0)
		chars_per_token = BENCH_PROMPTS_CHARS_PER_TOKEN;
	if (n_tokens < 1)
		n_tokens = 1;
	target = (size_t)((double)n_tokens * chars_per_token);
	if (target < 8)
		target = 8;
	cap = target + 512;
	buf = xmalloc(cap);
	buf[0] = '\0';
	for (i = 0; len < target; i++) {
		if (i % PER_SECTION == 0 && i > 0) {
			n = (size_t)snprintf(head, sizeof(head),
			    "\n\nSection %zu. ", i / PER_SECTION + 1);
		} else
			n = (size_t)snprintf(head, sizeof(head), "%s",
			    i == 0 ? "" : " ");
		if (len + n + strlen(passage[i % NPASSAGE]) + 1 > cap) {
			cap = (len + n + strlen(passage[i % NPASSAGE])) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, head, n);
		len += n;
		n = strlen(passage[i % NPASSAGE]);
		memcpy(buf + len, passage[i % NPASSAGE], n);
		len += n;
		buf[len] = '\0';
	}
	/* Cut back to the last word boundary at or before the target. */
	if (len > target) {
		cut = target;
		while (cut > 0 && buf[cut] != ' ' && buf[cut] != '\n')
			cut--;
		if (cut == 0)
			cut = target;
		while (cut > 0 && (buf[cut - 1] == ' ' || buf[cut - 1] == '\n'))
			cut--;
		len = cut;
		buf[len] = '\0';
	}
	if (tail != NULL && *tail != '\0') {
		n = strlen(tail);
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, tail, n + 1);
	}
	return buf;
}

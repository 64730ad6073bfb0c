# %% [markdown]
# # Loss playground: what a multi-label contrastive loss does to a batch
#
# A dozen points on the unit circle (or sphere), each with one or two labels. For the chosen loss
# you see **who counts as a positive and how much** (the positive-weight matrix *W*), **where the softmax
# puts its mass** (σ), and each point's gradient split into the three components of paper.md §4:
# attraction to positives, repulsion from negatives, and the **repulsion between positives** that appears
# whenever a positive already holds more softmax mass than its target weight (σ > w). REG (§3.10) removes
# exactly that third component. Move the sliders: the figure updates live. "Train a few steps" animates how
# the points move. With `interactive = False` (batch runs with papermill, which has no live front-end) the
# notebook draws the same figures statically.

# %% tags=["parameters"]
loss = "base"            # any contrastive loss of mlcl_lab.losses
temperature = 0.5        # τ
alpha = 1.0              # overlap exponent (msc, mscwrg, reg)
beta = 0.1               # repulsion weight of other instances (msc)
n_labels = 3
overlap = 0.4            # probability that a point carries a second label
dim = 2                  # 2: circle, 3: sphere
n_points = 12
seed = 0
compare_losses = ["base", "mulsupcon", "msc", "reg"]
train_steps_count = 30
interactive = True       # the ipywidgets playground; set False for batch runs (papermill has no live front-end)

# %%
import matplotlib.pyplot as plt

from mlcl_lab.explore import PlaygroundSettings, analyse, train_steps
from mlcl_lab.explore.plots_playground import plot_playground, plot_trajectory

# %matplotlib inline
settings = PlaygroundSettings(loss=loss, temperature=temperature, alpha=alpha, beta=beta, n_labels=n_labels,
                              overlap=overlap, dim=dim, n_points=n_points, seed=seed)

# %% [markdown]
# ## The interactive playground
# Change the loss, τ, α, β, the number of labels or the overlap.

# %%
if interactive:
    from IPython.display import display

    from mlcl_lab.explore.widgets import Playground

    playground = Playground(settings, steps=train_steps_count)
    display(playground.widget)
    playground.redraw()

# %% [markdown]
# ## Static view: the same batch under several losses

# %%
for name in compare_losses:
    state = analyse(PlaygroundSettings(**{**settings.__dict__, "loss": name}))
    fig = plot_playground(state)
    plt.show()

# %% [markdown]
# ## A few training steps

# %%
frames, values = train_steps(settings, n_steps=train_steps_count, lr=0.3, record_every=max(1, train_steps_count // 10))
fig = plot_trajectory(frames, values, settings.batch().y, settings.loss)
plt.show()

# %% [markdown]
# ## What to look at
# - **Orange arrows** (repulsion between positives): they appear on points whose positives do not all carry
#   the same weight (partial overlaps). Switch the loss to `reg`: they vanish, attraction and repulsion from
#   negatives stay (paper.md §3.10, §4).
# - **W vs σ**: training pushes σ towards W row by row. Where σ already exceeds W on a positive, the plain
#   losses push that positive away.
# - **Temperature**: a small τ sharpens σ, so more positives cross σ > w.
# - **Overlap**: at 0 every positive is an exact match and the third component is nearly absent; raise it.
# - **Prototypes** (★, for `msc`, `mscwrg`, `reg`, `proto`): every label gets a positive even when the batch has none.
